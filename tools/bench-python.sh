#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# What Python frames cost. A CPU-bound python (tests/python/countdown.py, one thread; then the
# same countdown 60 calls deep) pinned to CPU 0 is sampled at $FREQ Hz by gilprof pinned to
# CPU 1, with its Python frames (the default) and without them (GILPROF_NO_PYFRAMES=1: native
# stacks only), in interleaved rounds. With kernel.bpf_stats_enabled the kernel times each BPF
# program; on_sample's run time over the samples it took (the on-CPU view's count) is the cost of
# one stack (it also runs for CPU 1's samples, returning at once: alike in both modes), and the
# difference between the two modes what the Python walk adds to it. Last, the
# time countdown.py with 2 threads takes by its own clock, alone and under gilprof --folded (a
# stack at every blocking switch and 99 Hz samples) with and without Python frames.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
FREQ=${FREQ:-1999}
COUNT=${COUNT:-30000000}
GILPROF=${GILPROF:-build/gilprof}
PYTHON=${PYTHON:-/root/.pyenv/versions/3.12.1/bin/python3.12}
[ -x "$PYTHON" ] || PYTHON=$(command -v python3)
tmp=$(mktemp -d)
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -qw kernel.bpf_stats_enabled="$old_stats"; rm -rf "$tmp"' EXIT
sysctl -qw kernel.bpf_stats_enabled=1

median() {
	sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'
}

# run_time_ns and run_cnt of gilprof's on_sample while it runs (the last reading before it ends)
prog_stats() {
	bpftool prog show -j 2>/dev/null | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p.get("name") == "on_sample" and p.get("run_cnt"):
        print(p["run_time_ns"], p["run_cnt"])' || true
}

# one sampled run: prints "ns_per_sample samples python_frames_per_sample"
sampled() { # mode script args...
	local mode=$1 last=""
	shift
	local env=()
	[ "$mode" = off ] && env=(GILPROF_NO_PYFRAMES=1)
	env "${env[@]}" taskset -c 1 "$GILPROF" run --no-status -F "$FREQ" -o /dev/null \
		--folded "$tmp/on.folded" --view on -- taskset -c 0 "$PYTHON" "$@" >/dev/null 2>&1 &
	local pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		s=$(prog_stats)
		[ -n "$s" ] && last=$s
		sleep 0.1
	done
	wait "$pid"
	python3 - "$tmp/on.folded" "$last" <<'PY'
import sys
samples = frames = 0
for line in open(sys.argv[1]):
    stack, n = line.rsplit(" ", 1)
    samples += int(n)
    frames += int(n) * stack.count(".py:")
ns, cnt = map(int, sys.argv[2].split())
print(ns / max(samples, 1), samples, frames / max(samples, 1))
PY
}

deep="$tmp/deep.py"
cat >"$deep" <<'PY'
import sys
sys.setrecursionlimit(1000)
def down(depth, n):
    if depth:
        return down(depth - 1, n)
    while n > 0:
        n -= 1
down(60, int(sys.argv[1]))
PY

echo "Python frames: $PYTHON sampled at $FREQ Hz, $ROUNDS rounds (on_sample's run time per stack)"
for what in countdown deep; do
	: >"$tmp/$what-on"
	: >"$tmp/$what-off"
	for r in $(seq "$ROUNDS"); do
		for mode in on off; do
			if [ "$what" = countdown ]; then
				sampled "$mode" tests/python/countdown.py 1 "$COUNT" >>"$tmp/$what-$mode"
			else
				sampled "$mode" "$deep" "$COUNT" >>"$tmp/$what-$mode"
			fi
		done
	done
	on=$(awk '{print $1}' "$tmp/$what-on" | median)
	off=$(awk '{print $1}' "$tmp/$what-off" | median)
	depth=$(awk '{print $3}' "$tmp/$what-on" | median)
	samples=$(awk '{s += $2} END {print s}' "$tmp/$what-on")
	printf '  %-10s %5.1f Python frames a stack: %6.0f ns a stack with them, %6.0f ns without: %5.0f ns more (%d samples; rounds: %s)\n' \
		"$what" "$depth" "$on" "$off" "$(echo "$on - $off" | bc -l)" "$samples" \
		"$(awk '{printf "%.0f/", $1} END {}' "$tmp/$what-on" | sed 's/\/$//') vs $(awk '{printf "%.0f/", $1}' "$tmp/$what-off" | sed 's/\/$//')"
done

: >"$tmp/alone"; : >"$tmp/py-on"; : >"$tmp/py-off"
elapsed() { # countdown.py's own timing: "... in 1.234 s"
	sed -nE 's/.* in ([0-9.]+) s$/\1/p' | tail -n1
}
for r in $(seq "$ROUNDS"); do
	"$PYTHON" tests/python/countdown.py 2 "$COUNT" | elapsed >>"$tmp/alone"
	"$GILPROF" run --no-status -o /dev/null --folded "$tmp/w.folded" -- \
		"$PYTHON" tests/python/countdown.py 2 "$COUNT" | elapsed >>"$tmp/py-on"
	GILPROF_NO_PYFRAMES=1 "$GILPROF" run --no-status -o /dev/null --folded "$tmp/w.folded" -- \
		"$PYTHON" tests/python/countdown.py 2 "$COUNT" | elapsed >>"$tmp/py-off"
done
printf '  countdown.py 2 threads (its own timing), alone %s s; under gilprof --folded (a stack at every blocking switch, 99 Hz samples): with Python frames %s s, without %s s\n' \
	"$(median <"$tmp/alone")" "$(median <"$tmp/py-on")" "$(median <"$tmp/py-off")"
