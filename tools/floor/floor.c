// SPDX-License-Identifier: GPL-2.0
/*
 * floor MODE -- CMD [ARGS...]: run CMD with floor.bpf.c's hooks of one MODE attached, for make
 * bench to measure beside gilprof in the same rounds. Modes: empty (the dispatch alone), clock
 * (plus the clock read), storage (plus a task storage lookup of the task switched to or woken),
 * kstack, ustack, slice (the clock and one stack of that kind at every blocking switch-out),
 * record (the clock and a 48-byte ring buffer record at every blocking switch-out, read here
 * every 100 ms as gilprof reads its own). It exits with CMD's status.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/libbpf.h>
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
};

static int record_read(void *ctx, void *data, size_t len)
{
	(void)data;
	*(size_t *)ctx += len;
	return 0;
}

int main(int argc, char **argv)
{
	struct ring_buffer *rb = NULL;
	struct floor_bpf *skel;
	struct bpf_program *p;
	size_t bytes = 0;
	int status, m, n = sizeof(modes) / sizeof(modes[0]);
	pid_t pid;

	if (argc < 4 || strcmp(argv[2], "--")) {
		fprintf(stderr,
			"usage: floor empty|clock|storage|kstack|ustack|slice|record -- CMD "
			"[ARGS...]\n");
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
	if (pid > 0 && !strcmp(modes[m].mode, "record")) {
		rb = ring_buffer__new(bpf_map__fd(skel->maps.records), record_read, &bytes, NULL);
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
	floor_bpf__destroy(skel);
	if (pid < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
