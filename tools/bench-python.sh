#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# What Python frames cost. A CPU-bound python (tests/python/countdown.py, one thread; then the
# same countdown 60 calls deep) pinned to CPU 0 is sampled at $FREQ Hz by gilprof pinned to
# CPU 1, in interleaved rounds:
#  - with GILPROF_PY_TIMING=1 the BPF side times each walk of a thread's Python frames (two
#    clock reads around it, summed per CPU in the py_times map, read here with bpftool): the
#    walk's cost per stack, and from the two depths its cost per frame;
#  - with kernel.bpf_stats_enabled the kernel times each BPF program: on_sample's run time over
#    the samples it took (the on-CPU view's count) with Python frames and without them
#    (GILPROF_NO_PYFRAMES=1: native stacks only). on_sample also runs for CPU 1's samples,
#    returning at once, alike in both modes; two runs differ by more than the walk costs on a
#    shared machine, so this is the coarser of the two figures.
# Last, the time countdown.py with 2 threads takes by its own clock, alone and under gilprof
# --folded (a stack at every blocking switch and 99 Hz samples) with and without Python frames.
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

# "on_sample_ns on_sample_runs walks walk_frames walk_ns" while gilprof runs
bpf_figures() {
	local prog maps
	prog=$(bpftool prog show -j 2>/dev/null) || return 0
	maps=$(bpftool map dump name py_times -j 2>/dev/null) || maps='[]'
	python3 -c '
import json, sys
progs, maps = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ns = cnt = 0
for p in progs:
    if p.get("name") == "on_sample" and p.get("run_cnt"):
        ns, cnt = p["run_time_ns"], p["run_cnt"]
walks = frames = wns = 0
for m in maps:
    for v in m.get("formatted", {}).get("values", []):
        walks += v["value"]["stacks"]; frames += v["value"]["frames"]; wns += v["value"]["ns"]
if cnt:
    print(ns, cnt, walks, frames, wns)' "$prog" "$maps" || true
}

# one sampled run: "on_sample_ns_per_sample samples walks walk_frames walk_ns"
sampled() { # env-setting script args...
	local envset=$1 last=""
	shift
	env $envset taskset -c 1 "$GILPROF" run --no-status -F "$FREQ" -o /dev/null \
		--folded "$tmp/on.folded" --view on -- taskset -c 0 "$PYTHON" "$@" >/dev/null 2>&1 &
	local pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		s=$(bpf_figures)
		[ -n "$s" ] && last=$s
		sleep 0.1
	done
	wait "$pid"
	python3 - "$tmp/on.folded" "$last" <<'PY'
import sys
samples = sum(int(line.rsplit(" ", 1)[1]) for line in open(sys.argv[1]))
ns, cnt, walks, frames, wns = map(int, sys.argv[2].split())
print(ns / max(samples, 1), samples, walks, frames, wns)
PY
}

deep="$tmp/deep.py"
cat >"$deep" <<'PY'
import sys
def down(depth, n):
    if depth:
        return down(depth - 1, n)
    while n > 0:
        n -= 1
down(60, int(sys.argv[1]))
PY

echo "Python frames: $PYTHON sampled at $FREQ Hz, $ROUNDS rounds"
declare -A walk_ns walk_frames
for what in countdown deep; do
	args=(tests/python/countdown.py 1 "$COUNT")
	[ "$what" = deep ] && args=("$deep" "$COUNT")
	: >"$tmp/$what-on"
	: >"$tmp/$what-off"
	for r in $(seq "$ROUNDS"); do
		sampled GILPROF_PY_TIMING=1 "${args[@]}" >>"$tmp/$what-on"
		sampled GILPROF_NO_PYFRAMES=1 "${args[@]}" >>"$tmp/$what-off"
	done
	walk_ns[$what]=$(awk '{print $5 / $3}' "$tmp/$what-on" | median)
	walk_frames[$what]=$(awk '{print $4 / $3}' "$tmp/$what-on" | median)
	on=$(awk '{print $1}' "$tmp/$what-on" | median)
	off=$(awk '{print $1}' "$tmp/$what-off" | median)
	printf '  %-9s walk %5.0f ns a stack for %4.1f Python frames (rounds: %s); on_sample %5.0f ns a sample with them, %5.0f without\n' \
		"$what" "${walk_ns[$what]}" "${walk_frames[$what]}" \
		"$(awk '{printf "%s%.0f", (NR > 1 ? "/" : ""), $5 / $3}' "$tmp/$what-on")" "$on" "$off"
done
awk -v a="${walk_ns[countdown]}" -v fa="${walk_frames[countdown]}" -v b="${walk_ns[deep]}" \
	-v fb="${walk_frames[deep]}" 'BEGIN {
	f = (b - a) / (fb - fa)
	printf "  the walk costs %.0f ns a frame and %.0f ns a stack besides (the timing itself included: two clock reads)\n", f, a - fa * f
}'

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
