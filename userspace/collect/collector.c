// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/perf_event.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "collect/collector.h"
#include "gilprof.skel.h"
#include "symbolize/ksyms.h"
#include "collect/evsort.h"
#include "collect/ringbuf.h"
#include "collect/slots.h"
#include "util/vec.h"

/*
 * Producers take their timestamp before they publish a record, so a record can show up after
 * one stamped later. BPF programs run with preemption off, so the delay is bounded by an
 * interrupt; holding back the events of the last 2 ms before a poll began is ample.
 */
#define REORDER_HOLDBACK_NS (2 * 1000 * 1000ULL)

/* Each CPU's slot ring gets its share of --buffer-mb, within these bounds. */
#define SLOTS_MIN_SHIFT 11 /* 256 KiB */
#define SLOTS_MAX_SHIFT 19 /* 64 MiB */

struct gp_collector {
	struct gilprof_bpf *skel;
	struct gp_ringbuf *rb;
	struct gp_slots *slots;
	unsigned slot_shift;
	struct gp_collector_opts opts;
	union gp_event *pending;
	size_t npending, cappending;
	uint64_t max_ts;
	uint64_t received, invalid, stacks_dropped;
	struct bpf_link *samplers[GP_MAX_CPUS];
	int nsamplers;
	int exit_fd; /* the launched command's pidfd: its exit ends collector_poll's wait */
	int err; /* first error from a callback */
};

uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	return vfprintf(stderr, fmt, args);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	return 0;
}

int collector_check_env(char *err, size_t errlen)
{
	const char *btf;

	if (geteuid() != 0) {
		snprintf(err, errlen, "tracing needs root (BPF): run it with sudo");
		return -EPERM;
	}
	/* GILPROF_SYSFS_BTF lets the tests play a kernel built without BTF */
	btf = getenv("GILPROF_SYSFS_BTF");
	if (!btf || !*btf)
		btf = "/sys/kernel/btf/vmlinux";
	if (access(btf, R_OK)) {
		snprintf(err, errlen,
			 "this kernel has no BTF (%s missing): CONFIG_DEBUG_INFO_BTF=y is required",
			 btf);
		return -ENOTSUP;
	}
	if (!libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL)) {
		snprintf(err, errlen, "this kernel has no BPF ring buffer (Linux 5.8+ needed)");
		return -ENOTSUP;
	}
	return 0;
}

static int pending_push(struct gp_collector *c, const void *data, size_t len)
{
	union gp_event *e;

	if (vec_reserve((void **)&c->pending, &c->cappending, c->npending, sizeof(*c->pending),
			4096))
		return -ENOMEM;
	e = &c->pending[c->npending++];
	memset(e, 0, sizeof(*e));
	memcpy(e, data, len < sizeof(*e) ? len : sizeof(*e));
	if (e->h.ts > c->max_ts)
		c->max_ts = e->h.ts;
	return 0;
}

/* A stack record's parts: its native stacks, its DWARF slice and its Python frames. */
static bool stack_parts(const void *data, const struct gp_ev_stack **st,
			const struct gp_ev_stack_dwarf **dw, const struct gp_py_stack **py)
{
	__u32 type = ((const struct gp_ev_hdr *)data)->type;

	if (!event_is_raw_stack(type))
		return false;
	*st = data;
	*dw = type == GP_EV_STACK_DWARF || type == GP_EV_STACK_DWARF_PY ? data : NULL;
	*py = type == GP_EV_STACK_PY	     ? &((const struct gp_ev_stack_py *)data)->py
	      : type == GP_EV_STACK_DWARF_PY ? &((const struct gp_ev_stack_dwarf_py *)data)->py
					     : NULL;
	return true;
}

static int ringbuf_sample(void *ctx, void *data, size_t len)
{
	struct gp_collector *c = ctx;
	const struct gp_ev_stack_dwarf *dw;
	const struct gp_py_stack *py;
	const struct gp_ev_stack *st;
	struct gp_ev_stackref ref;

	c->received++;
	if (event_validate(data, len)) {
		c->invalid++;
		return 0;
	}
	if (stack_parts(data, &st, &dw, &py)) {
		if (!c->opts.on_stack || c->opts.on_stack(c->opts.ctx, st, dw, py, &ref)) {
			c->stacks_dropped++;
			return 0;
		}
		data = &ref;
		len = sizeof(ref);
	}
	if (c->opts.on_raw)
		c->opts.on_raw(c->opts.ctx, data);
	if (pending_push(c, data, len)) {
		c->err = -ENOMEM;
		return -ENOMEM;
	}
	return 0;
}

static int pending_deliver(struct gp_collector *c, uint64_t upto)
{
	size_t n = 0;

	while (n < c->npending && c->pending[n].h.ts <= upto) {
		int err = c->opts.on_event(c->opts.ctx, &c->pending[n]);

		n++;
		if (err) {
			c->err = err;
			break;
		}
	}
	if (n) /* with nothing read yet, pending is NULL */
		memmove(c->pending, c->pending + n, (c->npending - n) * sizeof(*c->pending));
	c->npending -= n;
	return c->err;
}

static int ringbuf_resize(struct gilprof_bpf *skel, unsigned mb)
{
	if (!mb)
		mb = 16;
	if (mb & (mb - 1) || mb > 1024)
		return -EINVAL;
	return bpf_map__set_max_entries(skel->maps.events, mb << 20);
}

/* hrtimer_wakeup()'s text, for the BPF side to tell a timer's wakeup; none if unknown. */
static void hrtimer_wakeup_range(struct gilprof_bpf *skel)
{
	struct gp_ksyms *ks = NULL;
	const struct gp_ksym *s;

	if (ksyms_load(NULL, &ks))
		return;
	s = ksyms_lookup(ks, "hrtimer_wakeup");
	if (s && s->size) {
		skel->rodata->hrtimer_wakeup_start = s->addr;
		skel->rodata->hrtimer_wakeup_end = s->addr + s->size;
	}
	ksyms_free(ks);
}

/* log2 of the slots in each CPU's ring: its share of mb MiB */
static unsigned slots_shift(unsigned mb, unsigned ncpus)
{
	unsigned shift = SLOTS_MIN_SHIFT;

	while (shift < SLOTS_MAX_SHIFT &&
	       ((uint64_t)ncpus * GP_SLOT_SIZE << (shift + 1)) <= (uint64_t)(mb ? mb : 16) << 20)
		shift++;
	return shift;
}

static int slots_resize(struct gilprof_bpf *skel, unsigned shift, unsigned ncpus)
{
	int err = bpf_map__set_max_entries(skel->maps.slots, ncpus << shift);

	return err ? err : bpf_map__set_max_entries(skel->maps.slot_ctl, ncpus);
}

/* A cpu-clock event on each CPU drives on_sample, which keeps only traced tasks. */
static int samplers_open(struct gp_collector *c, unsigned hz, char *err, size_t errlen)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.size = sizeof(attr),
		.freq = 1,
		.sample_freq = hz,
	};
	int cpu, fd, ncpus = collector_ncpus();

	for (cpu = 0; hz && cpu < ncpus; cpu++) {
		fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			if (errno == ENODEV)
				continue; /* a possible CPU that is offline */
			snprintf(err, errlen, "cannot open a cpu-clock sampler on CPU %d: %s", cpu,
				 strerror(errno));
			return -errno;
		}
		c->samplers[c->nsamplers] =
			bpf_program__attach_perf_event(c->skel->progs.on_sample, fd);
		if (!c->samplers[c->nsamplers]) {
			int e = -errno;

			close(fd);
			snprintf(err, errlen, "cannot attach the sampler on CPU %d: %s", cpu,
				 strerror(-e));
			return e;
		}
		c->nsamplers++;
	}
	return 0;
}

int collector_open(const struct gp_collector_opts *opts, struct gp_collector **out, char *err,
		   size_t errlen)
{
	struct gp_collector *c = calloc(1, sizeof(*c));
	int ret;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->opts = *opts;
	c->exit_fd = -1;
	libbpf_set_print(opts->verbose ? libbpf_print : libbpf_quiet);
	c->skel = gilprof_bpf__open();
	if (!c->skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		goto cleanup;
	}
	ret = ringbuf_resize(c->skel, opts->buffer_mb);
	if (ret) {
		snprintf(err, errlen, "--buffer-mb must be a power of two from 1 to 1024");
		goto cleanup;
	}
	hrtimer_wakeup_range(c->skel);
	c->slot_shift = slots_shift(opts->buffer_mb, collector_ncpus());
	c->skel->rodata->slot_shift = c->slot_shift;
	c->skel->rodata->page_shift =
		(uint32_t)__builtin_ctzl((unsigned long)sysconf(_SC_PAGESIZE));
	ret = slots_resize(c->skel, c->slot_shift, collector_ncpus());
	if (ret) {
		snprintf(err, errlen, "cannot size the per-CPU event rings: %s", strerror(-ret));
		goto cleanup;
	}
	c->skel->rodata->wakeup_bytes =
		((uint64_t)(opts->buffer_mb ? opts->buffer_mb : 16) << 20) / 8;
	c->skel->rodata->stacks_enabled = opts->on_stack != NULL;
	c->skel->rodata->stack_slices = opts->stack_slices;
	c->skel->rodata->offcpu_stacks = opts->offcpu_stacks;
	c->skel->rodata->follow = opts->follow;
	c->skel->rodata->follow_uid = opts->follow ? opts->follow_uid : -1;
	c->skel->rodata->follow_ncomm = opts->nfollow_comm;
	for (unsigned i = 0; i < opts->nfollow_comm && i < GP_FOLLOW_COMMS; i++)
		strncpy((char *)c->skel->rodata->follow_comm[i], opts->follow_comm[i],
			GP_COMM_LEN - 1);
	c->skel->data->py_frames = !opts->no_py_frames;
	c->skel->rodata->py_timing = opts->py_timing;
	ret = gilprof_bpf__load(c->skel);
	if (ret) {
		snprintf(err, errlen,
			 "cannot load the BPF programs: %s (rerun with --verbose for the verifier "
			 "log)",
			 strerror(-ret));
		goto cleanup;
	}
	ret = gilprof_bpf__attach(c->skel);
	if (ret) {
		snprintf(err, errlen, "cannot attach the BPF programs: %s", strerror(-ret));
		goto cleanup;
	}
	ret = samplers_open(c, opts->sample_hz, err, errlen);
	if (ret)
		goto cleanup;
	ret = ringbuf_open(bpf_map__fd(c->skel->maps.events), ringbuf_sample, c, &c->rb);
	if (ret) {
		snprintf(err, errlen, "cannot map the BPF ring buffer: %s", strerror(-ret));
		goto cleanup;
	}
	ret = slots_open(bpf_map__fd(c->skel->maps.slots), bpf_map__fd(c->skel->maps.slot_ctl),
			 collector_ncpus(), c->slot_shift, ringbuf_sample, c, &c->slots);
	if (ret) {
		snprintf(err, errlen, "cannot map the per-CPU event rings: %s", strerror(-ret));
		goto cleanup;
	}
	*out = c;
	return 0;
cleanup:
	collector_close(c);
	return ret;
}

int collector_mark(struct gp_collector *c, int pidfd, const struct gp_task_mark *m)
{
	/* task storage is keyed by a pidfd from userspace; a thread pidfd names that thread */
	if (bpf_map_update_elem(bpf_map__fd(c->skel->maps.traced), &pidfd, m, BPF_NOEXIST))
		return -errno;
	return 0;
}

void collector_marks_done(struct gp_collector *c)
{
	__atomic_add_fetch(&c->skel->bss->mark_gen, 1, __ATOMIC_SEQ_CST);
}

int collector_watch(struct gp_collector *c, int pidfd)
{
	return ringbuf_watch(c->rb, pidfd);
}

int collector_trace_pid(struct gp_collector *c, int pid)
{
	struct gp_task_mark mark = {.traced = 1};
	int pidfd = syscall(SYS_pidfd_open, pid, 0), err;

	if (pidfd < 0)
		return -errno;
	err = collector_mark(c, pidfd, &mark);
	/* The exit event does not wake the poller (events are batched): without this, tracing
	 * would go on for up to a poll's timeout after the command ended, idle time that the
	 * report's wall time, parallelism and verdict would count as the command's. */
	if (!err && c->exit_fd < 0 && !(err = collector_watch(c, pidfd))) {
		c->exit_fd = pidfd;
		return 0;
	}
	close(pidfd);
	return err;
}

int collector_py_mark(struct gp_collector *c, uint32_t tgid, const struct gp_py_proc *walk)
{
	int fd = bpf_map__fd(c->skel->maps.py_procs);

	if (!walk)
		return bpf_map_delete_elem(fd, &tgid) && errno != ENOENT ? -errno : 0;
	if (bpf_map_update_elem(fd, &tgid, walk, BPF_ANY))
		return -errno;
	c->skel->bss->py_marked = true;
	return 0;
}

int collector_inject(struct gp_collector *c, const union gp_event *e)
{
	if (c->opts.on_raw)
		c->opts.on_raw(c->opts.ctx, e);
	return pending_push(c, e, event_size(e->h.type));
}

uint64_t collector_enable(struct gp_collector *c)
{
	uint64_t now = monotonic_ns();

	c->skel->bss->enabled = true;
	return now;
}

/* Read every source once: the slot rings, then the ring buffer. */
static long consume_all(struct gp_collector *c)
{
	/* records past an impossible ring head are malformed records, counted as such */
	long n = slots_consume(c->slots, &c->invalid), m;

	if (n < 0)
		return n;
	m = ringbuf_consume(c->rb);
	return m < 0 ? m : n + m;
}

int collector_poll(struct gp_collector *c, int timeout_ms)
{
	uint64_t start, upto;
	long ret;

	/* The ring buffer's wakeup also stands for the slot rings: their producer nudges it. */
	ret = ringbuf_wait(c->rb, timeout_ms);
	if (ret < 0)
		return ret;
	start = monotonic_ns();
	ret = consume_all(c);
	if (ret < 0)
		return c->err ? c->err : ret;
	if (events_sort(c->pending, c->npending))
		return -ENOMEM;
	/* what was published before we started reading is all here, up to the holdback; not
	 * only up to the newest event read, which would hold the last ones back for as long as
	 * nothing newer comes (a live trace's windows wait for them) */
	upto = start;
	if (upto > REORDER_HOLDBACK_NS)
		return pending_deliver(c, upto - REORDER_HOLDBACK_NS);
	return c->err;
}

int collector_stop(struct gp_collector *c, uint64_t *end_ts)
{
	long ret;

	c->skel->bss->enabled = false;
	*end_ts = monotonic_ns();
	/*
	 * A record reserved on another CPU and not yet committed (a stack takes microseconds to
	 * fill) stops the reading there, and the records after it (a process's exit) would be lost:
	 * read again until nothing is left, which the disabled programs make soon (1 s at most).
	 */
	for (int tries = 0;; tries++) {
		ret = consume_all(c);
		if (ret < 0)
			return c->err ? c->err : ret;
		if (!ringbuf_unread(c->rb) || tries == 10000)
			break;
		usleep(100);
	}
	if (events_sort(c->pending, c->npending))
		return -ENOMEM;
	return pending_deliver(c, UINT64_MAX);
}

int collector_fd(const struct gp_collector *c)
{
	return bpf_map__fd(c->skel->maps.events);
}

uint64_t collector_oldest_pending(const struct gp_collector *c)
{
	uint64_t min = UINT64_MAX;

	for (size_t i = 0; i < c->npending; i++)
		if (c->pending[i].h.ts < min)
			min = c->pending[i].h.ts;
	return min;
}

uint64_t collector_received(const struct gp_collector *c)
{
	return c->received;
}

unsigned collector_ncpus(void)
{
	int n = libbpf_num_possible_cpus();

	return n > 0 && n <= GP_MAX_CPUS ? n : 1;
}

static int percpu_sum(int fd, __u32 key, unsigned ncpus, uint64_t *sum)
{
	uint64_t vals[GP_MAX_CPUS];
	unsigned i;

	if (bpf_map_lookup_elem(fd, &key, vals))
		return -errno;
	*sum = 0;
	for (i = 0; i < ncpus; i++)
		*sum += vals[i];
	return 0;
}

uint64_t collector_lost(const struct gp_collector *c)
{
	uint64_t total = c->invalid, v;
	__u32 k;

	for (k = 0; k < GP_DROP_CAUSE_MAX_BPF; k++) {
		if (!percpu_sum(bpf_map__fd(c->skel->maps.drops), k, collector_ncpus(), &v))
			total += v;
	}
	return total;
}

/* Runs the kernel skipped, over every program: each was an event gilprof did not see. */
static uint64_t progs_missed(struct gp_collector *c)
{
	struct bpf_program *prog;
	uint64_t n = 0;

	bpf_object__for_each_program(prog, c->skel->obj)
	{
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);

		if (bpf_program__fd(prog) >= 0 &&
		    !bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			n += info.recursion_misses;
	}
	return n;
}

int collector_read_stats(struct gp_collector *c, uint64_t end_ts, struct gp_trace_stats *st)
{
	int ncpus = libbpf_num_possible_cpus();
	struct gp_cpu_acct *acct;
	__u32 k, zero = 0;
	int i;

	if (ncpus <= 0 || ncpus > GP_MAX_CPUS)
		return -ERANGE;
	memset(st, 0, sizeof(*st));
	st->ncpus = ncpus;
	st->received = c->received;
	st->invalid = c->invalid;
	st->stacks_dropped = c->stacks_dropped;
	for (k = 0; k < GP_DROP_CAUSE_MAX_BPF; k++)
		percpu_sum(bpf_map__fd(c->skel->maps.drops), k, ncpus, &st->drops[k]);
	st->drops[GP_DROP_PROG_MISSED] = progs_missed(c);
	acct = calloc(ncpus, sizeof(*acct));
	if (!acct)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.cpu_acct), &zero, acct)) {
		free(acct);
		return -errno;
	}
	for (i = 0; i < ncpus; i++) {
		st->cpu[i] = acct[i];
		/* close the interval still open on each CPU at the end of the trace */
		if (acct[i].last_ts && end_ts > acct[i].last_ts && acct[i].cur_kind < GP_CPU_KINDS)
			st->cpu[i].ns[acct[i].cur_kind] += end_ts - acct[i].last_ts;
	}
	free(acct);
	return 0;
}

void collector_close(struct gp_collector *c)
{
	if (!c)
		return;
	ringbuf_close(c->rb);
	if (c->exit_fd >= 0)
		close(c->exit_fd);
	slots_close(c->slots);
	while (c->nsamplers > 0)
		bpf_link__destroy(c->samplers[--c->nsamplers]); /* closes its perf event fd */
	gilprof_bpf__destroy(c->skel);
	free(c->pending);
	free(c);
}
