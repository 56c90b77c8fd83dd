/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The timeline as a Chrome trace-event file (JSON object format): Perfetto UI and chrome://tracing
 * both open it, and writing it takes no protobuf library. Times are microseconds from the
 * trace's start, written exactly (ns / 1000 with three decimals), so a thread's slices add up
 * to its lifetime to the nanosecond. One event a line:
 *
 *   {"traceEvents":[
 *   {"ph":"M","pid":4242,"tid":4242,"ts":0,"name":"process_name","args":{"name":"countdown"}},
 *   {"ph":"M","pid":4242,"tid":4243,"ts":0,"name":"thread_name","args":{"name":"worker-0"}},
 *   {"ph":"X","pid":4242,"tid":4243,"ts":0.000,"dur":4012.345,"name":"running","cat":"state",
 *    "args":{"cpu":1}},
 *   {"ph":"X","pid":4242,"tid":4243,"ts":4012.345,"dur":12.001,"name":"sleep","cat":"state",
 *    "args":{"ended_by":"timer"}},
 *   {"ph":"X","pid":4242,"tid":4244,"ts":52.000,"dur":3960.345,"name":"gil","cat":"lock",
 *    "args":{"word":"0x55d0c0de0230","word_name":"gil.cond","ended_by":"4243 worker-0"}},
 *   {"ph":"s","pid":4242,"tid":4243,"ts":4012.345,"id":1,"name":"wakeup","cat":"wakeup"},
 *   {"ph":"f","pid":4242,"tid":4244,"ts":4012.345,"id":1,"name":"wakeup","cat":"wakeup"},
 *   {"ph":"X","pid":4194305,"tid":4194306,"ts":0.000,"dur":4012.345,"name":"worker-0 (4243)",
 *    "cat":"cpu","args":{"tid":4243}},
 *   {"ph":"i","s":"g","pid":4194305,"tid":4194305,"ts":0,"name":"verdict","args":{...}}
 *   ],
 *   "displayTimeUnit":"ns",
 *   "otherData":{"generator":"gilprof","command":"...","start_ns":...,"verdict":["wall ..."]}}
 *
 * A thread's states are "X" slices that tile its lifetime (a lock wait is named by its lock
 * object); a wakeup that ended a block is a flow from the waker's thread at the wakeup to the
 * wakee's next slice; the pseudo-process "CPUs" (pid GP_TE_CPU_PID, above any real pid) has a
 * track per CPU with the thread that ran on it. gzip when FILE ends in ".gz" (both viewers
 * open it so).
 */
#ifndef GP_TRACE_EVENT_H
#define GP_TRACE_EVENT_H

#include <stdio.h>
#include "analyze/report.h"
#include "analyze/tlview.h"

/* Linux pids and tids stay below PID_MAX_LIMIT (4194304): the CPU tracks cannot collide. */
#define GP_TE_CPU_PID 4194305u
#define GP_TE_CPU_TID(cpu) (GP_TE_CPU_PID + 1u + (cpu))

/* .json.gz outputs: a million-event trace is about 400 MB of JSON. */
#define TRACE_EVENT_GZ_LEVEL 3

struct gz_writer;
/* The file to w (plain or gzip: the writer's choice); verdict: the text report's verdict
 * section, quoted line by line (may be NULL). 0; write errors are the writer's. */
int trace_event_emit(struct gz_writer *w, const struct gp_report *r, const struct gp_tlview *v,
		     const char *verdict);

#endif
