// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include "util/term.h"

static struct termios saved;
static bool active;

static void put(const char *s)
{
	size_t n = strlen(s);

	while (n) {
		ssize_t k = write(STDOUT_FILENO, s, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		s += k;
		n -= k;
	}
}

void term_restore(void)
{
	if (!active)
		return;
	active = false;
	/* the cursor back, the main screen back with what it showed, the modes as they were */
	put("\033[?25h\033[?1049l");
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
}

int term_start(void)
{
	struct termios raw;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return -ENOTTY;
	if (tcgetattr(STDIN_FILENO, &saved))
		return -errno;
	raw = saved;
	raw.c_lflag &= ~(ICANON | ECHO | ISIG | IEXTEN);
	raw.c_iflag &= ~(IXON | ICRNL);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw))
		return -errno;
	active = true;
	atexit(term_restore);
	put("\033[?1049h\033[?25l\033[H\033[2J");
	return 0;
}

void term_size(unsigned *rows, unsigned *cols)
{
	struct winsize ws;

	*rows = 24;
	*cols = 80;
	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row && ws.ws_col) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

int term_key(void)
{
	unsigned char c;

	return read(STDIN_FILENO, &c, 1) == 1 ? c : -1;
}

int term_frame(const char *text, size_t len)
{
	char *buf = malloc(len + 8);
	size_t n = 0, off = 0;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, "\033[H", 3);
	memcpy(buf + 3, text, len);
	n = len + 3;
	while (off < n) {
		ssize_t k = write(STDOUT_FILENO, buf + off, n - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			err = k < 0 ? -errno : -EIO;
			break;
		}
		off += k;
	}
	free(buf);
	return err;
}
