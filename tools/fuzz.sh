#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run the recording reader's fuzzer from its seeds and print one line of what it did; on a
# crash, leak, hang or oversized allocation print libFuzzer's report and fail.
# usage: fuzz.sh FUZZER SEEDS CORPUS SECONDS [RUNS]
#   CORPUS "" fuzzes into a scratch corpus, removed after; SECONDS "" runs RUNS executions.
set -uo pipefail
fuzzer=$1 seeds=$2 corpus=$3 seconds=$4 runs=${5:-}
dir=$(dirname "$fuzzer")
log=$dir/fuzz.log
mkdir -p "$dir/artifacts"
scratch=
if [ -z "$corpus" ]; then
	scratch=$(mktemp -d /tmp/gilprof-fuzz-XXXXXX)
	corpus=$scratch
	log=$dir/fuzz-smoke.log # make test beside a long make fuzz keeps the latter's log
fi
mkdir -p "$corpus"
if [ -n "$seconds" ]; then
	bound=(-max_total_time="$seconds")
	what="$seconds s"
else
	bound=(-runs="$runs")
	what="$runs executions"
fi
echo "fuzz: $fuzzer for $what (log: $log)"
# A chunk inflates to at most 64 MiB (GP_REC_CHUNK_MAX), a buffer for it to at most 64 MiB: one
# allocation of 128 MiB or more, or 2 GiB in all, is the reader trusting a size it was told.
start=$(date +%s)
"$fuzzer" "${bound[@]}" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=128 \
	-print_final_stats=1 -artifact_prefix="$dir/artifacts/" "$corpus" "$seeds" >"$log" 2>&1
rc=$?
secs=$(($(date +%s) - start))
inputs=$(find "$corpus" -type f | wc -l)
[ -n "$scratch" ] && rm -rf "$scratch"
stat() { sed -nE "s/^stat::$1: *([0-9]+).*/\1/p" "$log" | tail -n1; }
execs=$(stat number_of_executed_units)
if [ $rc -ne 0 ] || [ -z "$execs" ]; then
	tail -n 60 "$log"
	echo "fuzz: FAILED (exit $rc) after ${execs:-?} executions in $secs s;" \
		"the input is in $dir/artifacts/" >&2
	exit 1
fi
# libFuzzer's last status line: the edges covered and the inputs it keeps of the files it wrote
done=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n1)
cov=$(printf '%s' "$done" | sed -nE 's/.* cov: ([0-9]+).*/\1/p')
kept=$(printf '%s' "$done" | sed -nE 's/.* corp: ([0-9]+).*/\1/p')
echo "fuzz: $execs executions in $secs s ($(stat average_exec_per_sec)/s), no failure;" \
	"${cov:-?} edges covered, ${kept:-?} inputs kept ($inputs files), peak RSS $(stat peak_rss_mb) MB"
