/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The terminal of gilprof top: raw input (keys arrive one by one, Ctrl-C as a key, no echo), the
 * alternate screen with the cursor hidden, and the terminal as it was again at the end, whatever
 * the end (term_restore is also registered with atexit). A frame is written at once, from the
 * top left, over the last: no clearing, so no flicker.
 */
#ifndef GP_TERM_H
#define GP_TERM_H

#include <stddef.h>

/* 0, or -ENOTTY when stdin or stdout is not a terminal, or -errno. */
int term_start(void);
void term_restore(void);
/* The terminal's size; 24x80 when it does not say. */
void term_size(unsigned *rows, unsigned *cols);
/* A key pressed, or -1 when none is waiting. */
int term_key(void);
/* Draw a frame (rows of text separated by "\r\n") in one write. 0 or -errno. */
int term_frame(const char *text, size_t len);

#endif
