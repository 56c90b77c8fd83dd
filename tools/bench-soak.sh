#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The soak of gilprof monitor: SOAK_SECONDS (default 600) of monitoring a program that starts
# and ends CHURN (1000) processes and threads a minute while its threads switch about SWITCHES
# (100000) times a second (tools/soak-load.c). gilprof's resident memory and CPU are read from
# /proc at the start (after WARMUP seconds) and at the end; drops from its /metrics.
# Targets: memory flat within 10% from the start to the end; gilprof's CPU under 2% of a core.
set -euo pipefail
cd "$(dirname "$0")/.."

SECS=${SOAK_SECONDS:-600}
SWITCHES=${SWITCHES:-100000}
CHURN=${CHURN:-1000}
WARMUP=${WARMUP:-30}
GILPROF=${GILPROF:-build/gilprof}
out=build/bench
tmp=$(mktemp -d)
mkdir -p "$out"
[ "$(id -u)" -eq 0 ] || { echo "bench-soak: needs root (BPF)" >&2; exit 1; }
${CC:-gcc} -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE tools/soak-load.c -pthread \
	-o "$out/soak-load"

mon=
cleanup() {
	[ -n "$mon" ] && kill "$mon" 2>/dev/null && wait "$mon" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

"$GILPROF" monitor --comm soak-load --metrics 127.0.0.1:0 2>"$tmp/mon.err" &
mon=$!
for _ in $(seq 100); do grep -q "metrics on" "$tmp/mon.err" && break; sleep 0.1; done
addr=$(sed -n 's|.*metrics on http://\(.*\)/metrics|\1|p' "$tmp/mon.err")
[ -n "$addr" ] || { cat "$tmp/mon.err" >&2; exit 1; }

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$mon/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$mon/stat"; }
drops() {
	curl -s "http://$addr/metrics" |
		awk '/^gilprof_dropped_events_total/ {split($0, a, "\""); d[a[2]] = $NF}
		     END {for (k in d) if (d[k] > 0) printf "%s=%d ", k, d[k]; print ""}'
}
hz=$(getconf CLK_TCK)

echo "soak: gilprof monitor --comm soak-load for $SECS s; soak-load: $SWITCHES switches/s," \
	"$CHURN processes and threads a minute"
"$out/soak-load" "$((SECS + WARMUP))" "$SWITCHES" "$CHURN" >"$tmp/load.out" &
load=$!
sleep "$WARMUP"
rss0=$(rss) cpu0=$(cpu_ticks) t0=$(date +%s.%N)
echo "  start (after $WARMUP s): gilprof RSS $rss0 KiB"
mid=$((SECS / 2))
sleep "$mid"
echo "  at $mid s: RSS $(rss) KiB, drops: $(drops)"
sleep "$((SECS - mid))"
rss1=$(rss) cpu1=$(cpu_ticks) t1=$(date +%s.%N)
echo "  end: gilprof RSS $rss1 KiB, drops: $(drops)"
wait "$load"
cat "$tmp/load.out" | sed 's/^/  /'
awk -v r0="$rss0" -v r1="$rss1" -v c0="$cpu0" -v c1="$cpu1" -v t0="$t0" -v t1="$t1" \
	-v hz="$hz" 'BEGIN {
	growth = (r1 - r0) / r0 * 100; cpu = (c1 - c0) / hz / (t1 - t0) * 100
	printf "  gilprof RSS %d -> %d KiB (%+.1f%%): %s (flat within 10%%)\n", r0, r1, growth,
		(growth <= 10 && growth >= -10) ? "met" : "MISSED"
	printf "  gilprof CPU %.2f%% of one core over %.0f s: %s (under 2%%)\n", cpu, t1 - t0,
		cpu < 2 ? "met" : "MISSED"
}'
