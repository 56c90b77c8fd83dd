#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmarks, side by side in one run (the machines are shared and noisy: compare within a run).
#  1. tracing overhead: `perf bench sched pipe` pinned to CPU 0 (each op is two switches and two
#     wakeups) alone, under gilprof, and under `perf sched record`; median us/op of ROUNDS
#     interleaved rounds, plus the events/s gilprof handled and what it dropped. Both tracers
#     run pinned to CPU 1, so what is measured is the cost on the traced CPU (the probes and the
#     ring buffer), not the tracer's own consumer taking turns with the benchmark on CPU 0.
#  2. recording size: gilprof record against perf sched record's perf.data (bench-recording.sh).
#  3. flame graph rendering: time and peak memory for a folded file of 1 M distinct stacks.
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
	# with a profile output: a stack at every blocking switch-out and 99 Hz samples
	taskset -c 1 "$GILPROF" run --no-status -o "$tmp/g.txt" --call-graph fp \
		--folded "$tmp/fp.folded" -- "${bench_cmd[@]}" 2>&1 | pipe_usop >>"$tmp/fp"
	taskset -c 1 "$GILPROF" run --no-status -o "$tmp/g.txt" --call-graph dwarf \
		--folded "$tmp/dwarf.folded" -- "${bench_cmd[@]}" 2>&1 | pipe_usop >>"$tmp/dwarf"
	taskset -c 1 perf sched record -q -o "$tmp/perf.data" -- "${bench_cmd[@]}" 2>&1 | pipe_usop >>"$tmp/perf"
	rm -f "$tmp/perf.data"
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
awk -v a="$a" -v g="$g" -v p="$p" -v f="$f" -v w="$w" -v e="$evs" -v d="$drops" -v n="$anomalies" 'BEGIN {
	printf "  gilprof adds %.2f us/op (%.2fx), perf sched record adds %.2f us/op (%.2fx)\n", g - a, g / a, p - a, p / a
	printf "  with off-CPU stacks at every switch: frame pointers add %.2f us/op, DWARF slices %.2f us/op\n", f - a, w - a
	printf "  gilprof handled %.0fk events/s (median); dropped %d events over all rounds, ", e / 1000, d
	printf "and the stream had %d inconsistencies (see the report'"'"'s lost line)\n", n
}'

echo
tools/bench-recording.sh || true # it says MISSED itself

echo
tools/bench-python.sh

if [ -x tools/bench-flamegraph.sh ]; then
	echo
	tools/bench-flamegraph.sh
fi
