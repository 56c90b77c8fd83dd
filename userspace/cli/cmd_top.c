// SPDX-License-Identifier: GPL-2.0
/*
 * gilprof top: a live view of a trace in the terminal, redrawn every interval: the verdict of
 * the last interval, a bar per CPU, the locks by their wait in the interval or in all, the
 * threads with their state shares (export/topscreen.h draws it, collect/live.h traces).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include "analyze/metrics.h"
#include "analyze/verdict.h"
#include "analyze/window.h"
#include "cli/args.h"
#include "cli/cmd.h"
#include "cli/opts.h"
#include "collect/live.h"
#include "export/topscreen.h"
#include "util/sigfd.h"
#include "util/asuser.h"
#include "util/term.h"

#define NS 1000000000ULL

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sudo gilprof top [OPTIONS] (-p PID[,PID...] | --comm NAME[,...] | -a)\n"
		"       sudo gilprof top [OPTIONS] -- COMMAND [ARGS...]\n\n"
		"Show, redrawn every interval, where the traced threads' time goes: the verdict\n"
		"(parallelism, the lock that serialised them, the speedup without it), a bar per\n"
		"CPU (# traced, + other, . idle), the locks by wait, the threads by state.\n"
		"A command runs with stdin, stdout and stderr on /dev/null and ends with top;\n"
		"processes attached to (-p) run on. Needs a terminal.\n\n"
		"  -p, --pid PID[,PID...] attach to running processes (and what they start)\n"
		"      --comm NAME[,...] every process of these names, running or started later\n"
		"                        (only the invoking user's unless root ran it)\n"
		"  -a, --all             every process (the invoking user's unless root ran it)\n"
		"      --interval SECS   redraw every SECS seconds (default 1)\n"
		"      --buffer-mb N     BPF ring buffer size in MiB, a power of two (default 16)\n"
		"      --as-root         run COMMAND as root (only when root itself ran sudo)\n"
		"  -v, --verbose         libbpf diagnostics\n"
		"  -h, --help            this help\n\n"
		"keys: q or Ctrl-C quit, p pause, s sort by the last interval or by all,\n"
		"      l pick a lock (again: the next; L: none): only its waiters are listed\n"
		"\nexit status: 0; 2 for usage errors (and without a terminal), 1 when tracing "
		"fails.\n");
}

enum { OPT_COMM = OPT_CMD_BASE, OPT_INTERVAL };

struct top_args {
	struct gp_cli_session ses;
	struct gp_creds creds;
	char comms[GP_FOLLOW_COMMS][GP_COMM_LEN];
	const char *commp[GP_FOLLOW_COMMS];
	size_t ncomms;
	bool all;
	double interval;
	char **argv;
	bool dashdash;
};

struct top {
	struct top_args *a;
	struct gp_live *live;
	struct gp_metrics totals; /* each lock's wait since the start */
	struct gp_top_state st;
	struct gp_top_cpu cpus[GP_MAX_CPUS];
	char verdict[512], clock[16];
	char picked_name[128]; /* the picked lock, kept across intervals */
	uint32_t picked_pid;
	bool has_pick;
	char *frame;
	size_t framecap;
	int sig_fd;
	bool ended; /* the terminal is given back: the last window draws nothing */
};

static int comm_opt(struct top_args *a, const char *arg)
{
	char *dup = strdup(arg), *tok, *save = NULL;
	int err = 0;

	for (tok = strtok_r(dup, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save)) {
		if (a->ncomms == GP_FOLLOW_COMMS || strlen(tok) >= GP_COMM_LEN) {
			fprintf(stderr,
				"gilprof top: --comm takes up to %d names of at most %d "
				"characters\n",
				GP_FOLLOW_COMMS, GP_COMM_LEN - 1);
			err = -1;
			break;
		}
		snprintf(a->comms[a->ncomms], GP_COMM_LEN, "%s", tok);
		a->commp[a->ncomms] = a->comms[a->ncomms];
		a->ncomms++;
	}
	free(dup);
	return err;
}

static int parse_opts(int argc, char **argv, struct top_args *a)
{
	static const struct option longopts[] = {
		OPTS_SESSION_LONG,
		{"comm", required_argument, NULL, OPT_COMM},
		{"all", no_argument, NULL, 'a'},
		{"interval", required_argument, NULL, OPT_INTERVAL},
		{"pid", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:F:vhp:a", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == OPT_NO_STATUS || c == 'F' || c == OPT_CALL_GRAPH || c == 'd') {
			fprintf(stderr, "gilprof top: %s is not an option of top\n",
				argv[optind - 1]);
			return -1;
		}
		r = opts_session("top", c, optarg, &a->ses);
		if (r < 0)
			return -1;
		if (r)
			continue;
		if (c == OPT_COMM) {
			if (comm_opt(a, optarg))
				return -1;
		} else if (c == 'a') {
			a->all = true;
		} else if (c == OPT_INTERVAL) {
			if (args_double("top", "--interval", optarg, 0.2, 3600, &a->interval))
				return -1;
		} else {
			args_getopt_error("top", c, argv);
			return -1;
		}
	}
	a->dashdash = optind > 1 && !strcmp(argv[optind - 1], "--");
	a->argv = argv + optind;
	return 0;
}

static int check_args(struct top_args *a)
{
	int kinds = (a->ses.npids > 0) + (a->ncomms > 0) + a->all + (a->argv[0] != NULL);

	if (a->argv[0] && !a->dashdash) {
		fprintf(stderr, "gilprof top: unexpected '%s' (a command goes after '--')\n",
			a->argv[0]);
		return 2;
	}
	if (kinds != 1) {
		fprintf(stderr, "gilprof top: %s\n",
			kinds ? "give one of -p, --comm, -a and -- COMMAND"
			      : "what to show: -p PID, --comm NAME, -a or -- COMMAND");
		return 2;
	}
	if (a->ses.as_root && !a->argv[0]) {
		fprintf(stderr, "gilprof top: --as-root is for a command: -p runs nothing\n");
		return 2;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr,
			"gilprof top: needs a terminal on stdin and stdout; to trace from a "
			"script use gilprof record or gilprof monitor\n");
		return 2;
	}
	return 0;
}

/* "parallelism 1.00 of 2 CPUs | serialised by gil (pid 42, 49%) | 1.96x faster without it" */
static void verdict_line(struct top *t, const struct gp_verdict *v)
{
	size_t n = snprintf(t->verdict, sizeof(t->verdict), "parallelism %.2f of %u CPUs | ",
			    v->parallelism, v->ncpus);

	if (!v->lock) {
		snprintf(t->verdict + n, sizeof(t->verdict) - n, "no lock serialised it");
		return;
	}
	n += snprintf(t->verdict + n, sizeof(t->verdict) - n, "%s (pid %u) serialises %.0f%%",
		      v->lock->name, v->lock->tgid, 100 * v->lock_share);
	if (v->predicted && n < sizeof(t->verdict))
		snprintf(t->verdict + n, sizeof(t->verdict) - n, " | %.2fx faster without it",
			 v->predicted_speedup);
}

static const struct gp_lock_obj *obj_of(const struct gp_lock_objs *objs, uint32_t pid,
					const char *name)
{
	for (size_t i = 0; i < objs->n; i++)
		if (objs->v[i].tgid == pid && !strcmp(objs->v[i].name, name))
			return &objs->v[i];
	return NULL;
}

/* Did t wait on one of o's words in the window? */
static bool waited_on(const struct gp_thread *th, const struct gp_lock_obj *o)
{
	for (size_t i = 0; o && i < th->tl.n; i++) {
		if (th->tl.v[i].bucket != GP_B_FUTEX || th->tgid != o->tgid)
			continue;
		for (size_t k = 0; k < o->nwords; k++)
			if (o->words[k]->uaddr == th->tl.v[i].uaddr)
				return true;
	}
	return false;
}

static int threads_fill(struct top *t, const struct gp_model *m, const struct gp_lock_objs *objs)
{
	const struct gp_lock_obj *obj[64];
	struct gp_top_thread *v = calloc(m->nthreads ? m->nthreads : 1, sizeof(*v));
	size_t nobj = t->st.nlocks < 64 ? t->st.nlocks : 64;

	if (!v)
		return -ENOMEM;
	/* the locks shown, by id (locks_fill numbered them in order) */
	for (size_t q = 0; q < nobj; q++)
		obj[q] = obj_of(objs, t->st.locks[q].pid, t->st.locks[q].name);
	for (size_t i = 0; i < m->nthreads; i++) {
		const struct gp_thread *th = m->threads[i];
		struct gp_top_thread *x = &v[i];

		x->tid = th->tid;
		x->pid = th->tgid;
		memcpy(x->comm, th->comm, sizeof(x->comm));
		x->life_ns = thread_lifetime(th);
		x->running_ns = th->bucket[GP_B_RUNNING] + th->bucket[GP_B_SWITCHING];
		x->runq_ns = th->bucket[GP_B_RUNQ_WAKE] + th->bucket[GP_B_RUNQ_PREEMPT];
		x->lock_ns = th->bucket[GP_B_FUTEX];
		x->sleep_ns = th->bucket[GP_B_SLEEP];
		x->other_ns = th->bucket[GP_B_DWAIT];
		for (size_t q = 0; q < nobj; q++)
			if (obj[q] && waited_on(th, obj[q]))
				x->waited |= 1ULL << q;
	}
	free(t->st.threads);
	t->st.threads = v;
	t->st.nthreads = m->nthreads;
	return 0;
}

static int locks_fill(struct top *t, const struct gp_window *w)
{
	size_t n = 0, k = 0;
	struct gp_top_lock *v;

	for (size_t i = 0; i < t->totals.nprocs; i++)
		n += t->totals.procs[i]->tgid ? t->totals.procs[i]->nlocks : 0;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	/* every lock seen since the start, with its wait in this window if it had any */
	for (size_t i = 0; i < t->totals.nprocs; i++) {
		const struct gp_mproc *p = t->totals.procs[i];

		for (size_t j = 0; p->tgid && j < p->nlocks; j++, k++) {
			memcpy(v[k].name, p->locks[j].name, sizeof(v[k].name));
			v[k].pid = p->tgid;
			v[k].total_ns = p->locks[j].wait_ns;
			v[k].id = (unsigned)k;
			v[k].wait_ns = p->seen_at == w->end ? p->locks[j].last_wait_ns : 0;
		}
	}
	for (size_t i = 0; i < w->nprocs; i++)
		for (size_t j = 0; j < w->procs[i].nlocks; j++)
			for (size_t q = 0; q < k; q++)
				if (v[q].pid == w->procs[i].tgid &&
				    !strcmp(v[q].name, w->procs[i].locks[j].name))
					v[q].acquisitions = w->procs[i].locks[j].acquisitions;
	free(t->st.locks);
	t->st.locks = v;
	t->st.nlocks = k;
	t->st.picked = -1;
	for (size_t q = 0; t->has_pick && q < k; q++)
		if (v[q].pid == t->picked_pid && !strcmp(v[q].name, t->picked_name))
			t->st.picked = (int)q;
	return 0;
}

static void cpus_fill(struct top *t, const struct gp_trace_stats *st)
{
	size_t n = st->ncpus < GP_MAX_CPUS ? st->ncpus : GP_MAX_CPUS;

	for (size_t i = 0; i < n; i++)
		t->cpus[i] = (struct gp_top_cpu){st->cpu[i].ns[GP_CPU_TRACED],
						 st->cpu[i].ns[GP_CPU_OTHER],
						 st->cpu[i].ns[GP_CPU_IDLE]};
	t->st.cpus = t->cpus;
	t->st.ncpus = n;
}

static void draw(struct top *t)
{
	unsigned rows, cols;
	size_t need;
	time_t now = time(NULL);
	struct tm tm;

	term_size(&rows, &cols);
	if (cols > 512)
		cols = 512;
	need = (size_t)rows * (cols + 2) + 1;
	if (need > t->framecap) {
		free(t->frame);
		t->frame = malloc(need);
		t->framecap = t->frame ? need : 0;
		if (!t->frame)
			return;
	}
	localtime_r(&now, &tm);
	strftime(t->clock, sizeof(t->clock), "%H:%M:%S", &tm);
	t->st.clock = t->clock;
	term_frame(t->frame, topscreen_render(&t->st, rows, cols, t->frame));
}

static int on_window(void *ctx, const struct gp_live_window *lw)
{
	struct top *t = ctx;
	struct gp_namer namer = live_namer(t->live);
	struct gp_lock_objs objs;
	struct gp_verdict v;
	struct gp_window w;
	int err;

	err = lock_objs_build(lw->model, namer.lock, namer.ctx, &objs);
	if (err)
		return err;
	err = window_build(lw->model, &objs, namer.lock, namer.ctx, &w);
	if (err) {
		lock_objs_free(&objs);
		return err;
	}
	err = metrics_add(&t->totals, &w);
	metrics_expire(&t->totals, lw->end);
	if (!err && !t->st.paused && !t->ended) {
		if (!verdict_build(lw->model, &lw->stats, lw->start, lw->end, &objs, &v))
			verdict_line(t, &v);
		t->st.verdict = t->verdict;
		t->st.interval_ns = lw->end - lw->start;
		cpus_fill(t, &lw->stats);
		err = locks_fill(t, &w);
		if (!err)
			err = threads_fill(t, lw->model, &objs);
		draw(t);
	}
	window_free(&w);
	lock_objs_free(&objs);
	return err;
}

/* 1 when the key ends top. */
static int key(struct top *t, int k)
{
	switch (k) {
	case 'q':
	case 'Q':
	case 3: /* Ctrl-C: the terminal is raw, it comes as a key */
	case 4:
		return 1;
	case 'p':
		t->st.paused = !t->st.paused;
		break;
	case 's':
		t->st.sort = (t->st.sort + 1) % GP_TOP_SORTS;
		break;
	case 'l':
		if (!t->st.nlocks)
			break;
		t->st.picked = (t->st.picked + 1) % (int)t->st.nlocks;
		t->has_pick = true;
		break;
	case 'L':
	case 27:
		t->st.picked = -1;
		t->has_pick = false;
		break;
	default:
		return 0;
	}
	draw(t); /* sorts, so the pick's place is known after */
	if (t->st.picked >= 0) {
		snprintf(t->picked_name, sizeof(t->picked_name), "%s",
			 t->st.locks[t->st.picked].name);
		t->picked_pid = t->st.locks[t->st.picked].pid;
	}
	return 0;
}

/* 0 on q, 1 when the targets exited, 2 at a signal; -errno. */
static int loop(struct top *t)
{
	for (;;) {
		struct pollfd p[3] = {
			{live_fd(t->live), POLLIN, 0},
			{STDIN_FILENO, POLLIN, 0},
			{t->sig_fd, POLLIN, 0},
		};
		struct signalfd_siginfo si;
		int err, k;

		if (poll(p, 3, 100) < 0 && errno != EINTR)
			return -errno;
		err = live_poll(t->live);
		if (err)
			return err;
		while ((k = term_key()) >= 0)
			if (key(t, k))
				return 0;
		if ((p[2].revents & POLLIN) && read(t->sig_fd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGWINCH)
				return 2;
			draw(t);
		}
		if (live_over(t->live))
			return 1;
	}
}

static int top_run(struct top_args *a)
{
	struct gp_metrics_opts mo = {
		.top_locks = 64, .max_procs = 1000, .max_comms = 64, .keep_exited_ns = 10 * NS};
	struct top t = {.a = a, .sig_fd = -1};
	struct gp_live_hooks h = {.on_window = on_window, .ctx = &t};
	struct gp_live_opts o = {
		.buffer_mb = a->ses.s.buffer_mb,
		.verbose = a->ses.s.verbose,
		.interval_ns = (uint64_t)(a->interval * NS),
		.creds = a->ses.s.creds,
		.argv = a->argv[0] ? a->argv : NULL,
		.pids = a->ses.pids,
		.npids = a->ses.npids,
		.comms = a->commp,
		.ncomms = a->ncomms,
		.all = a->all,
		.uid = a->creds.sudo && a->creds.uid ? (long long)a->creds.uid : -1,
	};
	int ret;

	metrics_init(&t.totals, &mo);
	t.st.picked = -1;
	ret = live_start(&o, &h, &t.live);
	if (!ret &&
	    (t.sig_fd = sigfd_take((const int[]){SIGINT, SIGTERM, SIGHUP, SIGWINCH}, 4)) < 0)
		ret = 1;
	if (!ret && term_start()) {
		fprintf(stderr, "gilprof top: cannot set the terminal up\n");
		ret = 1;
	}
	if (!ret) {
		t.st.title = live_label(t.live);
		t.st.interval_ns = o.interval_ns;
		draw(&t);
		ret = loop(&t);
		t.ended = true;
		term_restore();
		if (ret == 1)
			fprintf(stderr, "gilprof top: every traced process has exited\n");
		ret = ret < 0 ? ret : live_stop(t.live);
		if (ret < 0) {
			fprintf(stderr, "gilprof top: tracing failed: %s\n", strerror(-ret));
			ret = 1;
		} else {
			ret = 0;
		}
	}
	term_restore();
	if (t.sig_fd >= 0)
		close(t.sig_fd);
	live_free(t.live);
	metrics_free(&t.totals);
	free(t.st.locks);
	free(t.st.threads);
	free(t.frame);
	return ret;
}

int cmd_top(int argc, char **argv)
{
	struct top_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	opts_session_init(&a.ses);
	a.interval = 1;
	if (parse_opts(argc, argv, &a))
		return 2;
	ret = check_args(&a);
	if (ret)
		return ret;
	ret = opts_session_check("top", &a.ses, &a.creds);
	if (ret)
		return ret;
	ret = top_run(&a);
	asuser_stop();
	return ret;
}
