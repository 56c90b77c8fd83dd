// SPDX-License-Identifier: GPL-2.0
/*
 * gilprof monitor's loop: the live trace (collect/live.h) and, on one poll, the metrics server,
 * the control socket of --dump and the signals. Each window of the trace becomes figures
 * (analyze/window.h) added to the counters (analyze/metrics.h), rendered once as OpenMetrics for
 * every scrape until the next; each is checked against the --trigger rules and, with
 * --pprof-every, added to the profile of the period.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include "analyze/metrics.h"
#include "analyze/report.h"
#include "analyze/views.h"
#include "analyze/window.h"
#include "cli/monitor.h"
#include "collect/collector.h"
#include "collect/live.h"
#include "export/export_pprof.h"
#include "export/openmetrics.h"
#include "stream/flight.h"
#include "symbolize/locknames.h"
#include "util/sigfd.h"
#include "util/ctlsock.h"
#include "util/httpd.h"
#include "util/output.h"

#define NS 1000000000ULL

struct monitor {
	struct gp_monitor_args *a;
	struct gp_live *live;
	struct gp_httpd *httpd;
	struct gp_metrics mt;
	char *text; /* the last rendering of the metrics */
	size_t textlen;
	uint64_t anomalies[GP_AN_COUNT]; /* the windows' stream inconsistencies, added up */
	struct gp_flight *flight;
	const char *flight_dir;
	uint64_t last_trigger; /* end of the window a trigger last dumped at */
	unsigned dumps;
	int ctl_fd, sig_fd;
	char ctl_path[256];
	struct gp_profile *prof; /* --pprof-every: the period's profile so far */
	uint64_t prof_start;
	char *argv[2]; /* what a dump says was traced */
	bool over_said;
	int err;
};

int monitor_trigger_opt(struct gp_monitor_args *a, const char *rule)
{
	char err[256];

	if (a->ntriggers == GP_MAX_TRIGGERS) {
		fprintf(stderr, "gilprof monitor: at most %d --trigger rules\n", GP_MAX_TRIGGERS);
		return -1;
	}
	if (trigger_parse(rule, &a->triggers[a->ntriggers], err, sizeof(err))) {
		fprintf(stderr, "gilprof monitor: --trigger '%s': %s\n", rule, err);
		return -1;
	}
	a->ntriggers++;
	return 0;
}

static void body(void *ctx, const char **b, size_t *len, const char **type)
{
	struct monitor *m = ctx;

	*b = m->text ? m->text : "# EOF\n";
	*len = m->text ? m->textlen : 6;
	*type = OPENMETRICS_CONTENT_TYPE;
}

/* The drops by cause, as every report counts them: the kernel's, then the stream's. */
static void losses_update(struct monitor *m, const struct gp_live_window *w)
{
	struct gp_model acc = {0};
	struct gp_report r = {.stats = &w->total, .model = &acc};
	struct gp_loss loss[GP_METRICS_MAX_LOSSES];
	size_t n, i;

	for (i = 0; i < GP_AN_COUNT; i++) {
		m->anomalies[i] += w->model->anomalies[i];
		acc.anomalies[i] = m->anomalies[i];
	}
	n = report_losses(&r, loss, GP_METRICS_MAX_LOSSES);
	for (i = 0; i < n; i++) {
		m->mt.loss_key[i] = loss[i].key;
		m->mt.loss[i] = loss[i].count;
	}
	m->mt.nlosses = n;
}

static void render(struct monitor *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	if (openmetrics_write(f, &m->mt) || fclose(f)) {
		free(buf);
		return;
	}
	free(m->text);
	m->text = buf;
	m->textlen = len;
}

/* gilprof-flight-20260101-120000-REASON.data, -2, -3... within one second. */
static void flight_name(struct monitor *m, const char *reason, char *path, size_t len)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(path, len, "%s/gilprof-flight-%s-%s-%u.data", m->flight_dir, stamp, reason,
		 ++m->dumps);
}

/* Write the flight recording; 0 with its path, or -1 with why in msg. */
static int dump(struct monitor *m, const char *reason, char *msg, size_t msglen)
{
	struct gp_namer namer = live_namer(m->live);
	struct gp_trace_stats total;
	struct gp_flight_dump d = {.argv = m->argv,
				   .ncpus = collector_ncpus(),
				   .stacks = live_stacks(m->live),
				   .namer = &namer,
				   .total = &total};
	char path[PATH_MAX];
	struct gp_output o;
	uint64_t events = 0;
	int err;

	if (!m->flight) {
		snprintf(msg, msglen,
			 "this monitor keeps no events (start it with --flight SECONDS)");
		return -1;
	}
	flight_name(m, reason, path, sizeof(path));
	if (live_totals(m->live, &total, &d.end_ts) || output_open(&o, "--flight-dir", path)) {
		snprintf(msg, msglen, "cannot write %s", path);
		return -1;
	}
	err = flight_dump(m->flight, output_fd(&o), path, &d, &events);
	if (output_finish(&o, err, err ? "" : NULL) || err) {
		snprintf(msg, msglen, "cannot write %s", path);
		return -1;
	}
	snprintf(msg, msglen, "%s", path);
	fprintf(stderr, "gilprof: %s: wrote %llu events of the last %.1f s to %s\n", reason,
		(unsigned long long)events, flight_span(m->flight, d.end_ts) / 1e9, path);
	return 0;
}

static void triggers_check(struct monitor *m, const struct gp_window *w)
{
	struct gp_monitor_args *a = m->a;
	char msg[PATH_MAX + 64];

	if (!a->ntriggers || (m->last_trigger && w->end < m->last_trigger + a->flight * NS))
		return; /* once a flight's span: the next dump would repeat this one */
	for (size_t i = 0; i < w->nprocs; i++) {
		for (size_t k = 0; k < a->ntriggers; k++) {
			const struct gp_trigger *t = &a->triggers[k];

			if (!trigger_fires(t, w, &w->procs[i]))
				continue;
			fprintf(stderr, "gilprof: --trigger '%s' fired: pid %u (%s) at %.3f\n",
				t->text, w->procs[i].tgid, w->procs[i].comm,
				trigger_value(t, w, &w->procs[i]));
			m->last_trigger = w->end;
			if (dump(m, "trigger", msg, sizeof(msg)))
				fprintf(stderr, "gilprof: %s\n", msg);
			return;
		}
	}
}

static int on_window(void *ctx, const struct gp_live_window *lw)
{
	struct monitor *m = ctx;
	struct gp_namer namer = live_namer(m->live);
	struct gp_lock_objs objs;
	struct gp_window w;
	int err;

	err = lock_objs_build(lw->model, namer.lock, namer.ctx, &objs);
	if (err)
		return err;
	err = window_build(lw->model, &objs, namer.lock, namer.ctx, &w);
	if (!err) {
		err = metrics_add(&m->mt, &w);
		metrics_expire(&m->mt, lw->end);
		losses_update(m, lw);
		render(m);
		triggers_check(m, &w);
		if (m->a->pprof_dir)
			monitor_pprof_window(m->live, lw, &m->prof, &m->prof_start, m->a);
		window_free(&w);
	}
	lock_objs_free(&objs);
	return err;
}

static int on_event(void *ctx, const union gp_event *e)
{
	struct monitor *m = ctx;

	return flight_event(m->flight, e);
}

static int on_cut(void *ctx, uint64_t ts, const struct gp_model *next,
		  const struct gp_trace_stats *total)
{
	struct monitor *m = ctx;

	return flight_cut(m->flight, ts, next, total);
}

static void ctl_serve(struct monitor *m)
{
	char line[CTLSOCK_LINE], msg[PATH_MAX + 64], reply[PATH_MAX + 80];
	int fd = ctlsock_accept(m->ctl_fd, line, sizeof(line));

	if (fd < 0)
		return;
	if (strcmp(line, "dump")) {
		ctlsock_reply(fd, "error unknown request");
		return;
	}
	snprintf(reply, sizeof(reply), "%s %s", dump(m, "dump", msg, sizeof(msg)) ? "error" : "ok",
		 msg);
	ctlsock_reply(fd, reply);
}

/* 1 when the signal stops the monitor. */
static int sig_serve(struct monitor *m)
{
	struct signalfd_siginfo si;
	char msg[PATH_MAX + 64];

	if (read(m->sig_fd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo != SIGUSR1)
		return 1;
	if (dump(m, "usr1", msg, sizeof(msg)))
		fprintf(stderr, "gilprof: SIGUSR1: %s\n", msg);
	return 0;
}

static int loop(struct monitor *m)
{
	int err = 0;

	for (;;) {
		struct pollfd p[4] = {
			{live_fd(m->live), POLLIN, 0},
			{m->httpd ? httpd_fd(m->httpd) : -1, POLLIN, 0},
			{m->ctl_fd, POLLIN, 0},
			{m->sig_fd, POLLIN, 0},
		};

		if (poll(p, 4, 100) < 0 && errno != EINTR)
			return -errno;
		err = live_poll(m->live);
		if (err)
			return err;
		if (m->httpd)
			httpd_run(m->httpd, monotonic_ns(), body, m);
		if (p[2].revents & POLLIN)
			ctl_serve(m);
		if ((p[3].revents & POLLIN) && sig_serve(m))
			return 0;
		if (!m->over_said && live_over(m->live)) {
			fprintf(stderr, "gilprof: every traced process has exited; monitoring goes "
					"on until stopped\n");
			m->over_said = true;
		}
	}
}

/* The flight directory is the user's to write: checked now, not at the first dump. */
static int flight_dir_check(struct monitor *m)
{
	char path[PATH_MAX];
	struct gp_output o;

	m->flight_dir = m->a->flight_dir ? m->a->flight_dir : ".";
	snprintf(path, sizeof(path), "%s/.gilprof-flight-check", m->flight_dir);
	if (output_open(&o, "--flight-dir", path))
		return 2;
	output_discard(&o);
	return 0;
}

static int servers_open(struct monitor *m)
{
	char addr[128], err[512];

	if (m->a->metrics &&
	    httpd_open(m->a->metrics, &m->httpd, addr, sizeof(addr), err, sizeof(err))) {
		fprintf(stderr, "gilprof monitor: --metrics %s\n", err);
		return 2;
	}
	if (m->httpd)
		fprintf(stderr, "gilprof: metrics on http://%s/metrics\n", addr);
	if (m->a->flight) {
		m->ctl_fd = ctlsock_listen(m->ctl_path, sizeof(m->ctl_path), err, sizeof(err));
		if (m->ctl_fd < 0) {
			fprintf(stderr, "gilprof monitor: --dump will not reach this monitor: %s\n",
				err);
			m->ctl_path[0] = 0;
		}
	}
	return 0;
}

static void monitor_free(struct monitor *m)
{
	if (m->ctl_fd >= 0) {
		close(m->ctl_fd);
		if (m->ctl_path[0])
			unlink(m->ctl_path);
	}
	if (m->sig_fd >= 0)
		close(m->sig_fd);
	httpd_close(m->httpd);
	live_free(m->live);
	flight_free(m->flight);
	metrics_free(&m->mt);
	profile_free(m->prof);
	free(m->text);
}

static void live_opts(struct gp_monitor_args *a, struct gp_live_opts *o, const char **comms)
{
	*o = (struct gp_live_opts){
		.buffer_mb = a->ses.s.buffer_mb,
		.stacks = a->flight || a->pprof_dir,
		.call_graph_dwarf = a->ses.s.call_graph_dwarf,
		.verbose = a->ses.s.verbose,
		.interval_ns = (uint64_t)(a->interval * NS),
		.pids = a->ses.pids,
		.npids = a->ses.npids,
		.comms = comms,
		.ncomms = a->ncomms,
		.all = a->all,
		/* root's own request sees everyone's processes; a user's through sudo, theirs */
		.uid = a->creds.sudo && a->creds.uid ? (long long)a->creds.uid : -1,
	};
	for (size_t i = 0; i < a->ncomms; i++)
		comms[i] = a->comms[i];
}

int monitor_run(struct gp_monitor_args *a)
{
	struct gp_metrics_opts mo = {.top_locks = a->top_locks,
				     .max_procs = a->max_procs,
				     .max_comms = 64,
				     .keep_exited_ns = 60 * NS};
	struct monitor m = {.a = a, .ctl_fd = -1, .sig_fd = -1};
	struct gp_live_hooks h = {.on_window = on_window, .ctx = &m};
	const char *comms[GP_FOLLOW_COMMS];
	struct gp_live_opts o;
	int ret;

	metrics_init(&m.mt, &mo);
	live_opts(a, &o, comms);
	ret = a->flight ? flight_dir_check(&m) : 0;
	if (!ret)
		ret = servers_open(&m);
	if (!ret && a->flight) {
		m.flight = flight_new((uint64_t)(a->flight * NS),
				      (size_t)(a->flight_mb ? a->flight_mb : 256) << 20);
		h.on_event = on_event;
		h.on_cut = on_cut;
		ret = m.flight ? 0 : 1;
	}
	if (!ret && a->pprof_dir)
		ret = monitor_pprof_check(a);
	if (!ret)
		ret = live_start(&o, &h, &m.live);
	if (!ret &&
	    (m.sig_fd = sigfd_take((const int[]){SIGINT, SIGTERM, SIGHUP, SIGUSR1}, 4)) < 0) {
		fprintf(stderr, "gilprof: cannot take the signals: %s\n", strerror(errno));
		ret = 1;
	}
	if (!ret) {
		m.argv[0] = (char *)live_label(m.live);
		fprintf(stderr, "gilprof: monitoring %s (%zu running at the start)%s%s\n",
			live_label(m.live), live_attached(m.live),
			a->flight ? "; SIGUSR1 or 'gilprof monitor --dump' writes the flight "
				    "recording to "
				  : "",
			a->flight ? m.flight_dir : "");
		ret = loop(&m);
		if (!ret)
			ret = live_stop(m.live);
		if (ret < 0) {
			fprintf(stderr, "gilprof: tracing failed: %s\n", strerror(-ret));
			ret = 1;
		}
	}
	monitor_free(&m);
	return ret;
}

int monitor_dump_request(const char *pid)
{
	char reply[CTLSOCK_LINE], err[512];
	int ret = ctlsock_request(pid, "dump", reply, sizeof(reply), err, sizeof(err));

	if (ret) {
		fprintf(stderr, "gilprof monitor: %s\n", err);
		return ret;
	}
	if (strncmp(reply, "ok ", 3)) {
		fprintf(stderr, "gilprof monitor: %s\n",
			strncmp(reply, "error ", 6) ? reply : reply + 6);
		return 1;
	}
	printf("%s\n", reply + 3);
	return 0;
}
