// SPDX-License-Identifier: GPL-2.0
/*
 * floor MODE -- CMD [ARGS...]: run CMD with floor.bpf.c's hooks of one MODE attached, for make
 * bench to measure beside gilprof in the same rounds. Modes: empty (the dispatch alone), clock
 * (plus the clock read), storage (plus a task storage lookup of the task switched to or woken),
 * kstack, ustack, slice (the clock and one stack of that kind at every switch-out of a user
 * task, blocking or preempted, where gilprof takes its off-CPU stacks), record (the clock and a
 * 48-byte ring buffer record at each of those, read here every 100 ms as gilprof reads its own),
 * fp (gilprof's stack record with the user and kernel stacks at each of those), dwarf (the same
 * plus the registers and an 8 KiB user stack slice); fp and dwarf records are read as they come,
 * each frame and one word of each slice cache line touched. It exits with CMD's status.
 */
#include <errno.h>
#include <linux/types.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "gilprof.h"
#include "floor.skel.h"

static const struct {
	const char *mode, *sw, *wk;
} modes[] = {
	{"empty", "switch_empty", "waking_empty"},
	{"clock", "switch_clock", "waking_clock"},
	{"storage", "switch_storage", "waking_storage"},
	{"kstack", "switch_kstack", "waking_clock"},
	{"ustack", "switch_ustack", "waking_clock"},
	{"slice", "switch_slice", "waking_clock"},
	{"record", "switch_record", "waking_clock"},
	{"fp", "switch_fp", "waking_clock"},
	{"dwarf", "switch_dwarf", "waking_clock"},
};

struct reader {
	size_t bytes;
	unsigned long long sum; /* of what was read, so that the reads are not optimized away */
};

/*
 * What gilprof's reader does with a stack at least: read its frames (to hash and deduplicate
 * them) and, for a DWARF record, the slice it unwinds (here one word of each cache line).
 */
static int stack_read(void *ctx, void *data, size_t len)
{
	struct reader *r = ctx;
	const struct gp_ev_stack *e = data;
	int i;

	r->bytes += len;
	if (len < sizeof(*e))
		return 0;
	for (i = 0; i < e->user_bytes / 8 && i < GP_STACK_USER_MAX; i++)
		r->sum += e->user[i];
	for (i = 0; i < e->kernel_bytes / 8 && i < GP_STACK_KERNEL_MAX; i++)
		r->sum += e->kernel[i];
	if (len >= sizeof(struct gp_ev_stack_dwarf)) {
		const struct gp_ev_stack_dwarf *d = data;

		for (i = 0; i < (int)d->slice_len && i < GP_STACK_SLICE; i += 64)
			r->sum += d->slice[i];
	}
	return 0;
}

static int record_read(void *ctx, void *data, size_t len)
{
	(void)data;
	((struct reader *)ctx)->bytes += len;
	return 0;
}

int main(int argc, char **argv)
{
	struct ring_buffer *rb = NULL;
	struct floor_bpf *skel;
	struct bpf_program *p;
	struct reader rd = {0};
	bool stacks;
	int status, m, n = sizeof(modes) / sizeof(modes[0]);
	pid_t pid;

	if (argc < 4 || strcmp(argv[2], "--")) {
		fprintf(stderr,
			"usage: floor empty|clock|storage|kstack|ustack|slice|record|fp|dwarf -- "
			"CMD [ARGS...]\n");
		return 2;
	}
	for (m = 0; m < n && strcmp(modes[m].mode, argv[1]); m++)
		;
	if (m == n) {
		fprintf(stderr, "floor: no mode '%s'\n", argv[1]);
		return 2;
	}
	skel = floor_bpf__open();
	if (!skel) {
		fprintf(stderr, "floor: cannot open the BPF object: %s\n", strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(p, skel->obj)
	{
		const char *name = bpf_program__name(p);

		bpf_program__set_autoload(p,
					  !strcmp(name, modes[m].sw) || !strcmp(name, modes[m].wk));
	}
	if (floor_bpf__load(skel) || floor_bpf__attach(skel)) {
		fprintf(stderr, "floor: cannot load or attach the hooks: %s\n", strerror(errno));
		floor_bpf__destroy(skel);
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		execvp(argv[3], argv + 3);
		fprintf(stderr, "floor: cannot run %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	stacks = !strcmp(modes[m].mode, "fp") || !strcmp(modes[m].mode, "dwarf");
	if (pid > 0 && (stacks || !strcmp(modes[m].mode, "record"))) {
		rb = ring_buffer__new(bpf_map__fd(skel->maps.records),
				      stacks ? stack_read : record_read, &rd, NULL);
		while (rb && waitpid(pid, &status, WNOHANG) == 0)
			ring_buffer__poll(rb, 100);
		if (rb)
			ring_buffer__consume(rb);
		else
			kill(pid, SIGKILL);
	}
	while (pid > 0 && !rb && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ring_buffer__free(rb);
	if (skel->bss->lost)
		fprintf(stderr, "floor: %llu records not written, the ring was full\n",
			(unsigned long long)skel->bss->lost);
	floor_bpf__destroy(skel);
	if (pid < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
