// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include "export/escape.h"
#include "export/openmetrics.h"

static void utf8_put(FILE *f, uint32_t cp)
{
	if (cp < 0x80) {
		fputc((int)cp, f);
	} else if (cp < 0x800) {
		fputc(0xc0 | cp >> 6, f);
		fputc(0x80 | (cp & 0x3f), f);
	} else if (cp < 0x10000) {
		fputc(0xe0 | cp >> 12, f);
		fputc(0x80 | ((cp >> 6) & 0x3f), f);
		fputc(0x80 | (cp & 0x3f), f);
	} else {
		fputc(0xf0 | cp >> 18, f);
		fputc(0x80 | ((cp >> 12) & 0x3f), f);
		fputc(0x80 | ((cp >> 6) & 0x3f), f);
		fputc(0x80 | (cp & 0x3f), f);
	}
}

void openmetrics_label(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;

	while (*p) {
		p += esc_utf8_next(p, &cp);
		if (cp == '\\')
			fputs("\\\\", f);
		else if (cp == '"')
			fputs("\\\"", f);
		else if (cp == '\n')
			fputs("\\n", f);
		else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			utf8_put(f, 0xfffd); /* a terminal or a log would act on it */
		else
			utf8_put(f, cp);
	}
}

static void family(FILE *f, const char *name, const char *type, const char *unit, const char *help)
{
	fprintf(f, "# TYPE %s %s\n", name, type);
	if (unit)
		fprintf(f, "# UNIT %s %s\n", name, unit);
	fprintf(f, "# HELP %s %s\n", name, help);
}

static void secs(FILE *f, uint64_t ns)
{
	fprintf(f, " %" PRIu64 ".%09" PRIu64 "\n", ns / 1000000000, ns % 1000000000);
}

/* name{pid="...",comm="..." then what the caller adds */
static void proc_labels(FILE *f, const char *name, const struct gp_mproc *p)
{
	fprintf(f, "%s{pid=\"", name);
	if (p->tgid)
		fprintf(f, "%u", p->tgid);
	else
		fputs(GP_METRICS_OTHER, f);
	fputs("\",comm=\"", f);
	openmetrics_label(f, p->comm);
	fputc('"', f);
}

/* Every process with series, the shared entry "other" last when it was used. */
static const struct gp_mproc *proc_at(const struct gp_metrics *mt, size_t i)
{
	if (i < mt->nprocs)
		return mt->procs[i]->tgid ? mt->procs[i] : NULL;
	return i == mt->nprocs && mt->other_used ? &mt->other : NULL;
}

enum proc_field { PF_RUNNING, PF_RUNQ, PF_GIL_WAIT, PF_GIL_HELD };

static void proc_counter(FILE *f, const struct gp_metrics *mt, const char *name,
			 enum proc_field fld, bool gil_only)
{
	for (size_t i = 0; i <= mt->nprocs; i++) {
		const struct gp_mproc *p = proc_at(mt, i);
		uint64_t v;

		if (!p || (gil_only && !p->has_gil))
			continue;
		v = fld == PF_RUNNING	 ? p->running_ns
		    : fld == PF_RUNQ	 ? p->runq_ns
		    : fld == PF_GIL_WAIT ? p->gil_wait_ns
					 : p->gil_held_ns;
		proc_labels(f, name, p);
		fputc('}', f);
		secs(f, v);
	}
}

static void lock_sample(FILE *f, const char *name, const struct gp_mproc *p,
			const struct gp_mlock *l, const char *lname, bool count)
{
	proc_labels(f, name, p);
	fputs(",lock=\"", f);
	openmetrics_label(f, lname);
	fputs("\"}", f);
	if (count)
		fprintf(f, " %" PRIu64 "\n", l->acquisitions);
	else
		secs(f, l->wait_ns);
}

static void lock_counter(FILE *f, const struct gp_metrics *mt, const char *name, bool count)
{
	for (size_t i = 0; i <= mt->nprocs; i++) {
		const struct gp_mproc *p = proc_at(mt, i);

		if (!p)
			continue;
		for (size_t k = 0; k < p->nlocks; k++)
			lock_sample(f, name, p, &p->locks[k], p->locks[k].name, count);
		if (p->other.wait_ns || p->other.acquisitions)
			lock_sample(f, name, p, &p->other, GP_METRICS_OTHER, count);
	}
}

static void gauges(FILE *f, const struct gp_metrics *mt)
{
	size_t i;

	family(f, "gilprof_parallelism", "gauge", NULL,
	       "Running time of the process's threads over the last interval's length: how many "
	       "CPUs it kept busy.");
	for (i = 0; i <= mt->nprocs; i++) {
		const struct gp_mproc *p = proc_at(mt, i);

		if (!p)
			continue;
		proc_labels(f, "gilprof_parallelism", p);
		fprintf(f, "} %.4f\n", p->parallelism);
	}
	family(f, "gilprof_threads", "gauge", NULL,
	       "Threads of the process alive at the end of the last interval.");
	for (i = 0; i <= mt->nprocs; i++) {
		const struct gp_mproc *p = proc_at(mt, i);

		if (!p)
			continue;
		proc_labels(f, "gilprof_threads", p);
		fprintf(f, "} %u\n", p->threads);
	}
}

static const struct gp_mcomm *comm_at(const struct gp_metrics *mt, size_t i)
{
	if (i < mt->ncomms)
		return &mt->comms[i];
	return i == mt->ncomms && mt->other_comm_used ? &mt->other_comm : NULL;
}

enum comm_field { CF_RUNNING, CF_RUNQ, CF_LOCK, CF_GIL_WAIT, CF_GIL_HELD };

static void comm_counter(FILE *f, const struct gp_metrics *mt, const char *name,
			 enum comm_field fld)
{
	for (size_t i = 0; i <= mt->ncomms; i++) {
		const struct gp_mcomm *c = comm_at(mt, i);
		uint64_t v;

		if (!c)
			continue;
		v = fld == CF_RUNNING	 ? c->running_ns
		    : fld == CF_RUNQ	 ? c->runq_ns
		    : fld == CF_LOCK	 ? c->lock_wait_ns
		    : fld == CF_GIL_WAIT ? c->gil_wait_ns
					 : c->gil_held_ns;
		fprintf(f, "%s{comm=\"", name);
		openmetrics_label(f, c->comm);
		fputs("\"}", f);
		secs(f, v);
	}
}

static void comms(FILE *f, const struct gp_metrics *mt)
{
	static const struct {
		const char *name, *help;
		enum comm_field fld;
	} fam[] = {
		{"gilprof_comm_running_seconds",
		 "Running time of every process of this command name, exited ones included.",
		 CF_RUNNING},
		{"gilprof_comm_runqueue_seconds", "Run-queue time of every process of this name.",
		 CF_RUNQ},
		{"gilprof_comm_lock_wait_seconds",
		 "Lock wait (acquisitions) of every process of this name.", CF_LOCK},
		{"gilprof_comm_gil_wait_seconds", "GIL wait of every process of this name.",
		 CF_GIL_WAIT},
		{"gilprof_comm_gil_held_seconds", "GIL held by every process of this name.",
		 CF_GIL_HELD},
	};
	char total[96];

	for (size_t k = 0; k < sizeof(fam) / sizeof(fam[0]); k++) {
		family(f, fam[k].name, "counter", "seconds", fam[k].help);
		snprintf(total, sizeof(total), "%s_total", fam[k].name);
		comm_counter(f, mt, total, fam[k].fld);
	}
	family(f, "gilprof_comm_processes", "counter", NULL,
	       "Processes of this command name seen since gilprof started.");
	for (size_t i = 0; i <= mt->ncomms; i++) {
		const struct gp_mcomm *c = comm_at(mt, i);

		if (!c)
			continue;
		fputs("gilprof_comm_processes_total{comm=\"", f);
		openmetrics_label(f, c->comm);
		fprintf(f, "\"} %" PRIu64 "\n", c->processes);
	}
}

int openmetrics_write(FILE *f, const struct gp_metrics *mt)
{
	family(f, "gilprof_running_seconds", "counter", "seconds",
	       "Time the process's threads ran on a CPU (the kernel's runtime).");
	proc_counter(f, mt, "gilprof_running_seconds_total", PF_RUNNING, false);
	family(f, "gilprof_runqueue_seconds", "counter", "seconds",
	       "Time the process's threads were runnable, waiting for a CPU.");
	proc_counter(f, mt, "gilprof_runqueue_seconds_total", PF_RUNQ, false);
	family(f, "gilprof_lock_wait_seconds", "counter", "seconds",
	       "Time the process's threads waited to acquire a lock: from the first futex wait of "
	       "a contended acquisition to the return to a CPU after the last.");
	lock_counter(f, mt, "gilprof_lock_wait_seconds_total", false);
	family(f, "gilprof_lock_acquisitions", "counter", NULL,
	       "Contended acquisitions of a lock (uncontended ones make no futex wait).");
	lock_counter(f, mt, "gilprof_lock_acquisitions_total", true);
	family(f, "gilprof_gil_wait_seconds", "counter", "seconds",
	       "Time the process's threads waited to acquire its GIL.");
	proc_counter(f, mt, "gilprof_gil_wait_seconds_total", PF_GIL_WAIT, true);
	family(f, "gilprof_gil_held_seconds", "counter", "seconds",
	       "Time the process's threads held its GIL while it was contended.");
	proc_counter(f, mt, "gilprof_gil_held_seconds_total", PF_GIL_HELD, true);
	gauges(f, mt);
	comms(f, mt);
	family(f, "gilprof_dropped_events", "counter", NULL,
	       "Events gilprof lost or found inconsistent, by cause.");
	for (size_t i = 0; i < mt->nlosses; i++)
		fprintf(f, "gilprof_dropped_events_total{cause=\"%s\"} %" PRIu64 "\n",
			mt->loss_key[i], mt->loss[i]);
	fputs("# EOF\n", f);
	return ferror(f) ? -EIO : 0;
}
