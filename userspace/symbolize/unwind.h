/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User stacks unwound after the fact from a copy: the registers and the slice of the stack that
 * the BPF side read at a futex wait or a sample. Debian's glibc is built without frame pointers,
 * so a frame-pointer walk through pthread_mutex_lock() loses every caller; this unwinder follows
 * the DWARF call-frame information instead (.eh_frame, else .debug_frame, of the objects mapped in
 * a procmaps snapshot, and of the vDSO), and walks frame pointers only through code that has no
 * CFI (JIT code, hand-written assembly).
 *
 * x86-64 only: register numbers, the frame-pointer layout and the rule that a caller's stack
 * pointer is the CFA are those of the x86-64 psABI.
 */
#ifndef GP_UNWIND_H
#define GP_UNWIND_H

#include <stddef.h>
#include <stdint.h>

#include "symbolize/procmaps.h"
#include "symbolize/symbols.h"

/* User registers at the point the stack was copied. */
struct gp_uregs {
	uint64_t ip, sp, bp;
};

/* Why an unwind stopped. */
enum gp_unwind_stop {
	GP_UNWIND_END, /* the outermost frame: CFI marks the return address undefined, or it is 0 */
	GP_UNWIND_NO_CFI, /* a frame without CFI and without a usable frame pointer */
	GP_UNWIND_OUT_OF_STACK, /* the caller's frame lies beyond the copied slice */
	GP_UNWIND_NO_MAP, /* a code address in no executable mapping of the snapshot */
	GP_UNWIND_MAX_DEPTH, /* frames[] is full and another frame follows */
	GP_UNWIND_BAD_CFA, /* CFI that cannot be evaluated, or a CFA that does not move up the stack */
};

/* "end", "no-cfi", "out-of-stack", "no-map", "max-depth", "bad-cfa". */
const char *unwind_stop_name(enum gp_unwind_stop why);

/*
 * The unwinder caches the CFI of each ELF object, keyed by its (dev, inode) like the symbolizer,
 * for its whole lifetime: objects stay mapped (their fds are not kept) until unwinder_free(). It
 * also remembers the load bias of executable mappings by (start, end, offset, dev, inode), which
 * holds across snapshots and processes. Objects that cannot be reached through a snapshot are
 * tried again with the next one. Calls are serialized by an internal mutex.
 */
struct gp_unwinder;

/*
 * sym locates addresses in their objects (load bias, PIE, shared libraries) and must outlive the
 * unwinder; NULL makes the unwinder create and own one. Returns NULL on failure (errno set).
 */
struct gp_unwinder *unwinder_new(struct gp_symbolizer *sym);
void unwinder_free(struct gp_unwinder *u);

/*
 * Unwind the stack of a thread of pm's process: stack holds stack_len bytes copied from regs->sp
 * upward (fewer than asked when the copy faulted). frames[0] is regs->ip, then the return
 * addresses of the callers, outermost last, up to max: they point after the call, so symbolize
 * frames[i] - 1 for i > 0 (the frame below a signal handler's trampoline is the interrupted pc
 * itself; minus 1 still names its function unless it was stopped on the function's first byte).
 * Frames whose code has no CFI are stepped through with the frame pointer when bp points into the
 * slice. The reason the walk stopped goes to *why (may be NULL). Stopping is not an error:
 * returns the number of frames (>= 1), or -EINVAL (NULL arguments, max 0) or -ENOMEM.
 */
int unwind_stack(struct gp_unwinder *u, const struct gp_procmaps *pm, const struct gp_uregs *regs,
		 const void *stack, size_t stack_len, uint64_t *frames, size_t max,
		 enum gp_unwind_stop *why);

#endif /* GP_UNWIND_H */
