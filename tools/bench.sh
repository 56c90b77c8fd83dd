#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmarks, side by side in one run (the machines are shared and noisy: compare within a run).
#  1. tracing overhead: `perf bench sched pipe` pinned to CPU 0 (each op is two switches and two
#     wakeups) alone, under gilprof, and under `perf sched record`; median us/op of ROUNDS
#     interleaved rounds, plus the events/s gilprof handled and what it dropped. Both tracers
#     run pinned to CPU 1, so what is measured is the cost on the traced CPU (the probes and the
#     ring buffer), not the tracer's own consumer taking turns with the benchmark on CPU 0.
#     Beside them, in the same rounds, the floor (build/tools/floor): the same hooks returning at
#     once, with only the clock read, with one kind of stack at every switch-out of a user task
#     (blocking or preempted, as gilprof takes off-CPU stacks: an op has one of each), and with
#     all of a stack's parts together in gilprof's own ring record (fp, dwarf).
#  2. a lock-heavy program (tools/lockbench.c: 4 threads take one mutex in turn, ~0.3 us critical
#     sections) alone, under gilprof with its default stacks and under perf sched record, by its
#     own timing.
#  3. recording size: gilprof record against perf sched record's perf.data (bench-recording.sh).
#  4. flame graph rendering: time and peak memory for a folded file of 1 M distinct stacks.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
LOOPS=${LOOPS:-200000}
GILPROF=${GILPROF:-build/gilprof}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (BPF, perf sched record)" >&2; exit 1; }

pipe_usop() { # stdin: perf bench output
	sed -nE 's/^ *([0-9.]+) usecs\/op.*/\1/p' | tail -n1
}

median() {
	sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'
}

bench_cmd=(taskset -c 0 perf bench sched pipe -l "$LOOPS")
: >"$tmp/alone"; : >"$tmp/gilprof"; : >"$tmp/perf"; : >"$tmp/evs"; : >"$tmp/drops"
: >"$tmp/fp"; : >"$tmp/dwarf"
floors=(empty clock storage kstack ustack slice record fp dwarf)
for m in "${floors[@]}"; do : >"$tmp/floor-$m"; done
echo "tracing overhead: ${bench_cmd[*]}, $ROUNDS rounds"
for r in $(seq "$ROUNDS"); do
	"${bench_cmd[@]}" 2>&1 | pipe_usop >>"$tmp/alone"
	taskset -c 1 "$GILPROF" run --no-status --json "$tmp/g.json" -o "$tmp/g.txt" -- "${bench_cmd[@]}" \
		2>&1 | pipe_usop >>"$tmp/gilprof"
	python3 - "$tmp/g.json" >>"$tmp/evs" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = d["trace"]
lost = d["lost"]
print(t["events"] / (t["duration_ns"] / 1e9),
      lost["ringbuf_full"] + lost["traced_map_full"] + lost["invalid_records"],
      sum(lost.values()))
PY
	# with a profile output: a stack at every switch-out and 99 Hz samples
	taskset -c 1 "$GILPROF" run --no-status -o "$tmp/g.txt" --call-graph fp \
		--folded "$tmp/fp.folded" -- "${bench_cmd[@]}" 2>&1 | pipe_usop >>"$tmp/fp"
	taskset -c 1 "$GILPROF" run --no-status -o "$tmp/g.txt" --call-graph dwarf \
		--folded "$tmp/dwarf.folded" -- "${bench_cmd[@]}" 2>&1 | pipe_usop >>"$tmp/dwarf"
	taskset -c 1 perf sched record -q -o "$tmp/perf.data" -- "${bench_cmd[@]}" 2>&1 | pipe_usop >>"$tmp/perf"
	rm -f "$tmp/perf.data"
	for m in "${floors[@]}"; do
		build/tools/floor "$m" -- "${bench_cmd[@]}" 2>&1 | pipe_usop >>"$tmp/floor-$m"
	done
done
a=$(median <"$tmp/alone"); g=$(median <"$tmp/gilprof"); p=$(median <"$tmp/perf")
f=$(median <"$tmp/fp"); w=$(median <"$tmp/dwarf")
evs=$(awk '{print $1}' "$tmp/evs" | median)
drops=$(awk '{s += $2} END {print s}' "$tmp/evs")
anomalies=$(awk '{s += $3 - $2} END {print s}' "$tmp/evs")
printf '  %-22s %8s us/op  (rounds: %s)\n' "alone" "$a" "$(paste -sd' ' "$tmp/alone")"
printf '  %-22s %8s us/op  (rounds: %s)\n' "under gilprof" "$g" "$(paste -sd' ' "$tmp/gilprof")"
printf '  %-22s %8s us/op  (rounds: %s)\n' "under perf sched record" "$p" "$(paste -sd' ' "$tmp/perf")"
printf '  %-22s %8s us/op  (rounds: %s)\n' "gilprof, fp stacks" "$f" "$(paste -sd' ' "$tmp/fp")"
printf '  %-22s %8s us/op  (rounds: %s)\n' "gilprof, dwarf stacks" "$w" "$(paste -sd' ' "$tmp/dwarf")"
declare -A fl
for m in "${floors[@]}"; do
	fl[$m]=$(median <"$tmp/floor-$m")
	printf '  %-22s %8s us/op  (rounds: %s)\n' "floor: $m" "${fl[$m]}" "$(paste -sd' ' "$tmp/floor-$m")"
done
awk -v a="$a" -v g="$g" -v p="$p" -v f="$f" -v w="$w" -v e="$evs" -v d="$drops" -v n="$anomalies" \
	-v fe="${fl[empty]}" -v fc="${fl[clock]}" -v fk="${fl[kstack]}" -v fu="${fl[ustack]}" -v ft="${fl[storage]}" \
	-v fs="${fl[slice]}" -v fr="${fl[record]}" -v ff="${fl[fp]}" -v fd="${fl[dwarf]}" 'BEGIN {
	printf "  gilprof adds %.2f us/op (%.2fx), perf sched record adds %.2f us/op (%.2fx): gilprof/perf %.2f (target <= 0.125)\n", g - a, g / a, p - a, p / a, (g - a) / (p - a)
	printf "  floor: the hooks alone add %.2f us/op, with the clock read %.2f, with a lookup of the task'"'"'s mark too %.2f (%.2f of perf'"'"'s); gilprof is %.2f above the last\n", fe - a, fc - a, ft - a, (ft - a) / (p - a), g - ft
	printf "  with off-CPU stacks at every switch: frame pointers add %.2f us/op, DWARF slices %.2f us/op: %.2f of perf'"'"'s (target <= 0.4)\n", f - a, w - a, (w - a) / (p - a)
	printf "  of which, at the floor, for the 2 switch-outs of an op (one blocking, one preempted): a kernel stack %.2f us/op, a user stack by frame pointers %.2f, an 8 KiB user stack copy %.2f, a ring buffer record %.2f; gilprof is %.2f above their sum\n", fk - fc, fu - fc, fs - fc, fr - fc, f - a - (ft - a) - (fk - fc) - (fu - fc) - (fr - fc)
	printf "  together, at the floor: both stacks in gilprof'"'"'s ring record %.2f us/op (the parts'"'"' sum %.2f), with the registers and slice %.2f (sum %.2f)\n", ff - fc, (fk - fc) + (fu - fc) + (fr - fc), fd - fc, (fk - fc) + (fu - fc) + (fs - fc) + (fr - fc)
	printf "  stacks in gilprof over its base tracing: fp %.2f us/op (floor %.2f, excess %.2f), dwarf %.2f (floor %.2f, excess %.2f)\n", f - g, ff - fc, (f - g) - (ff - fc), w - g, fd - fc, (w - g) - (fd - fc)
	printf "  the least off-CPU stacks can add here (the task lookup floor and the combined stack floor): fp %.2f us/op, %.2f of perf'"'"'s; dwarf %.2f us/op, %.2f of perf'"'"'s (target <= 0.4)\n", (ft - a) + (ff - fc), ((ft - a) + (ff - fc)) / (p - a), (ft - a) + (fd - fc), ((ft - a) + (fd - fc)) / (p - a)
	printf "  gilprof handled %.0fk events/s (median); dropped %d events over all rounds, ", e / 1000, d
	printf "and the stream had %d inconsistencies (see the report'"'"'s lost line)\n", n
}'

echo
LB=(4 50000 600)
lb_secs() { sed -nE 's/^lockbench: .* ([0-9.]+) s, .*/\1/p'; }
cc=${CC:-gcc}
$cc -std=gnu11 -O2 -Wall -Wextra -Werror tools/lockbench.c -lpthread -o "$tmp/lockbench"
acqs=$(("${LB[0]}" * "${LB[1]}"))
: >"$tmp/lb-alone"; : >"$tmp/lb-gilprof"; : >"$tmp/lb-perf"; : >"$tmp/lb-floor-storage"; : >"$tmp/lb-floor-dwarf"
echo "lock-heavy program: lockbench ${LB[*]} ($acqs acquisitions of one mutex, taken in turn by ${LB[0]} threads, so every one is contended), $ROUNDS rounds"
for r in $(seq "$ROUNDS"); do
	"$tmp/lockbench" "${LB[@]}" | lb_secs >>"$tmp/lb-alone"
	"$GILPROF" run --no-status -o "$tmp/lb.txt" -- "$tmp/lockbench" "${LB[@]}" 2>&1 | lb_secs >>"$tmp/lb-gilprof"
	perf sched record -q -o "$tmp/perf.data" -- "$tmp/lockbench" "${LB[@]}" 2>&1 | lb_secs >>"$tmp/lb-perf"
	rm -f "$tmp/perf.data"
	# the floor: the hooks with the task lookup, and a DWARF stack (gilprof's default) in its
	# ring record at every switch-out (each sleeping acquisition has one; gilprof also takes
	# one at the wakeup, which the floor does not)
	for m in storage dwarf; do
		build/tools/floor "$m" -- "$tmp/lockbench" "${LB[@]}" 2>&1 | lb_secs >>"$tmp/lb-floor-$m"
	done
done
la=$(median <"$tmp/lb-alone"); lg=$(median <"$tmp/lb-gilprof"); lp=$(median <"$tmp/lb-perf")
lfs=$(median <"$tmp/lb-floor-storage"); lfd=$(median <"$tmp/lb-floor-dwarf")
for k in alone gilprof perf floor-storage floor-dwarf; do
	printf '  %-22s %8.0f ns per acquisition  (rounds, s: %s)\n' "$k" \
		"$(awk -v n="$acqs" '{print $1 * 1e9 / n}' "$tmp/lb-$k" | median)" "$(paste -sd' ' "$tmp/lb-$k")"
done
awk -v a="$la" -v g="$lg" -v p="$lp" -v fs="$lfs" -v fd="$lfd" -v n="$acqs" 'BEGIN {
	printf "  added per contended acquisition: gilprof %.0f ns (its default stacks at each wait and wakeup), perf sched record %.0f ns; gilprof/perf %.2f (target <= 0.33)\n", (g - a) * 1e9 / n, (p - a) * 1e9 / n, (g - a) / (p - a)
	printf "  floor per acquisition: the task lookup %.0f ns (%.2f of perf'"'"'s), a DWARF stack at every switch-out %.0f ns (%.2f of perf'"'"'s): the least gilprof'"'"'s default stacks can add here\n", (fs - a) * 1e9 / n, (fs - a) / (p - a), (fd - a) * 1e9 / n, (fd - a) / (p - a)
}'

echo
tools/bench-recording.sh || true # it says MISSED itself

echo
tools/bench-python.sh

if [ -x tools/bench-flamegraph.sh ]; then
	echo
	tools/bench-flamegraph.sh
fi

echo
tools/bench-soak.sh || true # it says MISSED itself
