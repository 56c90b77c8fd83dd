// SPDX-License-Identifier: GPL-2.0
/*
 * gilprof monitor: trace processes until stopped and serve their figures as OpenMetrics
 * (analyze/metrics.h), keep the last seconds of events to dump as a recording (flight.h), and
 * write the lock profiles every so often as pprof.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include "analyze/metrics.h"
#include "analyze/report.h"
#include "analyze/window.h"
#include "cli/args.h"
#include "cli/cmd.h"
#include "cli/monitor.h"
#include "cli/opts.h"
#include "collect/collector.h"
#include "collect/live.h"
#include "export/openmetrics.h"
#include "util/asuser.h"
#include "util/httpd.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sudo gilprof monitor (-p PID[,PID...] | --comm NAME[,NAME...] | -a)\n"
		"                            [--metrics [ADDR:]PORT] [--flight SECONDS] [OPTIONS]\n"
		"       sudo gilprof monitor --dump [PID]\n\n"
		"Trace processes until stopped (SIGINT, SIGTERM): those given, every process of a\n"
		"name as it starts, or all; serve their lock and GIL figures as OpenMetrics for\n"
		"Prometheus; keep the last seconds of events to write as a recording on demand.\n\n"
		"  -p, --pid PID[,PID...] attach to running processes (and what they start)\n"
		"      --comm NAME[,...] every process of these names (up to %d), running or "
		"started\n"
		"                        later; only the invoking user's unless root ran it\n"
		"  -a, --all             every process (the invoking user's unless root ran it)\n"
		"      --metrics [ADDR:]PORT  serve /metrics there (ADDR 127.0.0.1 unless given;\n"
		"                        0.0.0.0 or [::] to be reached from other hosts)\n"
		"      --interval SECS   length of an interval: counters and gauges are updated\n"
		"                        at its end (default 1)\n"
		"      --top-locks N     locks with series of their own per process (default 5)\n"
		"      --max-processes N processes with series of their own (default 200)\n"
		"      --flight SECS     keep the last SECS seconds of events in memory and write\n"
		"                        them as a recording on SIGUSR1, 'gilprof monitor --dump'\n"
		"                        or a --trigger\n"
		"      --flight-dir DIR  where those recordings go (default: the current "
		"directory)\n"
		"      --flight-mb N     memory for them at most (default 256)\n"
		"      --trigger RULE    dump when a process's share of time in the last interval\n"
		"                        passes a bound: gil_wait>0.5, lock_wait>=0.3, "
		"runqueue>0.2,\n"
		"                        running<0.1, or parallelism<1.5 (repeatable, up to 4)\n"
		"      --pprof-every SECS DIR  every SECS seconds, that period's lock waits and\n"
		"                        CPU samples as a pprof file in DIR\n"
		"      --dump [PID]      ask the running monitor (PID, or the only one) to dump\n"
		"      --buffer-mb N     BPF ring buffer size in MiB, a power of two (default 16)\n"
		"      --call-graph fp|dwarf  user stacks (with --flight or --pprof-every)\n"
		"  -v, --verbose         libbpf diagnostics\n"
		"  -h, --help            this help\n"
		"\nexit status: 0 when stopped; 2 for usage errors, 1 when tracing fails.\n",
		GP_FOLLOW_COMMS);
}

enum {
	OPT_COMM = OPT_CMD_BASE,
	OPT_METRICS,
	OPT_INTERVAL,
	OPT_MAX_PROCS,
	OPT_FLIGHT,
	OPT_FLIGHT_DIR,
	OPT_FLIGHT_MB,
	OPT_TRIGGER,
	OPT_PPROF_EVERY,
	OPT_DUMP,
};

static int comm_list(const char *arg, struct gp_monitor_args *a)
{
	char *dup = strdup(arg), *tok, *save = NULL;

	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (a->ncomms == GP_FOLLOW_COMMS) {
			fprintf(stderr, "gilprof monitor: --comm takes at most %d names\n",
				GP_FOLLOW_COMMS);
			free(dup);
			return -1;
		}
		if (strlen(tok) >= GP_COMM_LEN) {
			fprintf(stderr,
				"gilprof monitor: --comm %s: a process name has at most %d "
				"characters (the kernel's comm): give '%.*s'\n",
				tok, GP_COMM_LEN - 1, GP_COMM_LEN - 1, tok);
			free(dup);
			return -1;
		}
		snprintf(a->comms[a->ncomms++], GP_COMM_LEN, "%s", tok);
	}
	free(dup);
	if (!a->ncomms) {
		fprintf(stderr, "gilprof monitor: --comm needs a name\n");
		return -1;
	}
	return 0;
}

static int parse_opt(int c, char **argv, struct gp_monitor_args *a)
{
	switch (c) {
	case OPT_COMM:
		return comm_list(optarg, a);
	case 'a':
		a->all = true;
		return 0;
	case OPT_METRICS:
		a->metrics = optarg;
		return 0;
	case OPT_INTERVAL:
		return args_double("monitor", "--interval", optarg, 0.1, 3600, &a->interval);
	case OPT_TOP_LOCKS:
		return args_uint("monitor", "--top-locks", optarg, 100, &a->top_locks);
	case OPT_MAX_PROCS:
		return args_uint("monitor", "--max-processes", optarg, 100000, &a->max_procs);
	case OPT_FLIGHT:
		return args_double("monitor", "--flight", optarg, 1, 3600, &a->flight);
	case OPT_FLIGHT_DIR:
		a->flight_dir = optarg;
		return 0;
	case OPT_FLIGHT_MB:
		return args_uint("monitor", "--flight-mb", optarg, 65536, &a->flight_mb);
	case OPT_TRIGGER:
		return monitor_trigger_opt(a, optarg);
	case OPT_PPROF_EVERY:
		if (args_double("monitor", "--pprof-every", optarg, 1, 86400, &a->pprof_every))
			return -1;
		if (!argv[optind] || argv[optind][0] == '-') {
			fprintf(stderr,
				"gilprof monitor: --pprof-every SECONDS DIR: missing DIR\n");
			return -1;
		}
		a->pprof_dir = argv[optind++];
		return 0;
	case OPT_DUMP:
		a->dump = true;
		return 0;
	}
	return 1;
}

static int parse_opts(int argc, char **argv, struct gp_monitor_args *a)
{
	static const struct option longopts[] = {
		OPTS_SESSION_LONG,
		{"comm", required_argument, NULL, OPT_COMM},
		{"all", no_argument, NULL, 'a'},
		{"metrics", required_argument, NULL, OPT_METRICS},
		{"interval", required_argument, NULL, OPT_INTERVAL},
		{"top-locks", required_argument, NULL, OPT_TOP_LOCKS},
		{"max-processes", required_argument, NULL, OPT_MAX_PROCS},
		{"flight", required_argument, NULL, OPT_FLIGHT},
		{"flight-dir", required_argument, NULL, OPT_FLIGHT_DIR},
		{"flight-mb", required_argument, NULL, OPT_FLIGHT_MB},
		{"trigger", required_argument, NULL, OPT_TRIGGER},
		{"pprof-every", required_argument, NULL, OPT_PPROF_EVERY},
		{"dump", no_argument, NULL, OPT_DUMP},
		{"pid", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":F:vhp:a", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == OPT_AS_ROOT || c == OPT_NO_STATUS || c == 'F' || c == 'd') {
			fprintf(stderr, "gilprof monitor: %s is not an option of monitor\n",
				argv[optind - 1]);
			return -1;
		}
		r = opts_session("monitor", c, optarg, &a->ses);
		if (r < 0)
			return -1;
		if (r)
			continue;
		r = parse_opt(c, argv, a);
		if (r < 0)
			return -1;
		if (r) {
			args_getopt_error("monitor", c, argv);
			return -1;
		}
	}
	a->rest = argv + optind;
	return 0;
}

/* One line for each thing that cannot be: usage errors, exit 2. */
static int check_args(struct gp_monitor_args *a)
{
	int kinds = (a->ses.npids > 0) + (a->ncomms > 0) + a->all;

	if (a->dump) {
		if (kinds || a->metrics || a->flight) {
			fprintf(stderr, "gilprof monitor: --dump asks a running monitor; give it "
					"alone, or with that monitor's pid\n");
			return 2;
		}
		if (a->rest[0] && a->rest[1]) {
			fprintf(stderr, "gilprof monitor: --dump takes one pid\n");
			return 2;
		}
		return 0;
	}
	if (a->rest[0]) {
		fprintf(stderr,
			"gilprof monitor: unexpected '%s': monitor follows running processes "
			"(-p, --comm, -a); to trace a command use gilprof run or gilprof top\n",
			a->rest[0]);
		return 2;
	}
	if (kinds != 1) {
		fprintf(stderr, "gilprof monitor: %s\n",
			kinds ? "give one of -p, --comm and -a"
			      : "what to monitor: -p PID, --comm NAME or -a");
		return 2;
	}
	if (!a->metrics && !a->flight && !a->pprof_dir) {
		fprintf(stderr, "gilprof monitor: nothing to do: give --metrics [ADDR:]PORT, "
				"--flight SECONDS or --pprof-every SECONDS DIR\n");
		return 2;
	}
	if ((a->flight_dir || a->flight_mb || a->ntriggers) && !a->flight) {
		fprintf(stderr, "gilprof monitor: --flight-dir, --flight-mb and --trigger go with "
				"--flight SECONDS\n");
		return 2;
	}
	return 0;
}

int cmd_monitor(int argc, char **argv)
{
	struct gp_monitor_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	opts_session_init(&a.ses);
	a.interval = 1;
	a.top_locks = 5;
	a.max_procs = 200;
	if (parse_opts(argc, argv, &a))
		return 2;
	ret = check_args(&a);
	if (ret)
		return ret;
	if (a.dump)
		return monitor_dump_request(a.rest[0]);
	ret = opts_session_check("monitor", &a.ses, &a.creds);
	if (ret)
		return ret;
	ret = monitor_run(&a);
	asuser_stop();
	return ret;
}
