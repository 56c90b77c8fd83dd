#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Recording size: `gilprof record` against `perf sched record`'s perf.data for the same command
# (the issue's target: at most a tenth), and where the recording's bytes go (tools/
# recording-stats.c: per chunk type, and each event type's records stored alone).
# perf sched record traces every CPU, so its file grows with whatever else the machine runs;
# gilprof traces only the command's tasks (and the switches into and out of them). The strictest
# comparison is also printed: perf record of the same scheduler events for the command's tasks
# only (no -a).
#
# usage: tools/bench-recording.sh     (root)
set -euo pipefail
cd "$(dirname "$0")/.."

GILPROF=${GILPROF:-build/gilprof}
out=build/bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
[ "$(id -u)" -eq 0 ] || { echo "bench-recording: needs root (BPF, perf sched record)" >&2; exit 1; }

cc=${CC:-gcc}
$cc -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -Iuserspace -Ibpf tools/recording-stats.c \
	userspace/stream/recfmt.c userspace/util/bytes.c userspace/util/hashmap.c userspace/util/vec.c \
	userspace/model/event.c -lz -o "$out/recording-stats"

# perf sched record's events (builtin-sched.c) that this kernel has
sched_events=()
for e in sched_switch sched_stat_wait sched_stat_sleep sched_stat_iowait sched_stat_runtime \
	sched_process_fork sched_wakeup sched_wakeup_new sched_migrate_task; do
	[ -d "/sys/kernel/tracing/events/sched/$e" ] || [ -d "/sys/kernel/debug/tracing/events/sched/$e" ] &&
		sched_events+=(-e "sched:$e")
done

fail=0
measure() { # name, command...
	local name=$1 g p q summary samples lost
	shift
	summary=$("$GILPROF" record --no-status -o "$tmp/$name.gilprof" -- "$@" 2>&1 >/dev/null |
		grep '^gilprof: recorded' || true)
	samples=$(perf sched record -o "$tmp/$name.perf" -- "$@" 2>&1 >/dev/null |
		sed -nE 's/.*\(([0-9]+) samples\).*/\1/p')
	perf record -q -R -m 1024 -c 1 "${sched_events[@]}" -o "$tmp/$name.task.perf" -- "$@" \
		>/dev/null 2>&1
	g=$(stat -c %s "$tmp/$name.gilprof")
	p=$(stat -c %s "$tmp/$name.perf")
	q=$(stat -c %s "$tmp/$name.task.perf")
	echo "recording size: $*"
	echo "  gilprof ${summary#gilprof: }"
	awk -v g="$g" -v p="$p" -v q="$q" -v s="$samples" 'BEGIN {
		printf "  %-34s %10d bytes\n", "gilprof record", g
		printf "  %-34s %10d bytes  ratio %.4f (1/%.1f), %s samples\n", "perf sched record (every CPU)", p, g / p, p / g, s
		printf "  %-34s %10d bytes  ratio %.4f (1/%.1f)\n", "its events, the command'"'"'s tasks only", q, g / q, q / g
		printf "  target <= 1/10 of perf sched record: %s\n", g * 10 <= p ? "met" : "MISSED"
	}'
	[ $((g * 10)) -le "$p" ] || fail=1
	lost=$(sed -nE 's/.*, ([0-9]+) lost,.*/\1/p' <<<"$summary")
	[ "${lost:-0}" -eq 0 ] ||
		echo "  note: $lost events lost (buffers full): the recording lacks them (see gilprof report)"
	"$out/recording-stats" "$tmp/$name.gilprof"
}

measure countdown build/workloads/countdown --threads 2
echo
measure pipe perf bench sched pipe -l 100000
exit $fail
