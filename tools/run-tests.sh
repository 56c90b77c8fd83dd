#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run Criterion test binaries, print each one's synthesis and one closing line with the totals.
# usage: run-tests.sh unit|e2e|all BIN...
set -uo pipefail
kind=$1
shift
passed=0 failed=0 bins_failed=()
for bin in "$@"; do
	case "$bin" in
	*/e2e/*)
		if [ "$(id -u)" -ne 0 ]; then
			echo "run-tests: $bin needs root (it loads BPF programs): run 'sudo make test'" >&2
			failed=$((failed + 1))
			bins_failed+=("$bin")
			continue
		fi ;;
	esac
	echo "== $bin"
	out=$("$bin" --jobs 1 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -vE '^\[----\] Criterion|^\[====\] Running' || true
	syn=$(printf '%s\n' "$out" | grep -E 'Synthesis: Tested: ' | tail -n1)
	p=$(printf '%s' "$syn" | sed -nE 's/.*Passing: ([0-9]+).*/\1/p')
	f=$(printf '%s' "$syn" | sed -nE 's/.*Failing: ([0-9]+).*Crashing: ([0-9]+).*/\1 \2/p')
	if [ -z "$p" ]; then
		echo "run-tests: $bin printed no Criterion synthesis (exit $rc)" >&2
		failed=$((failed + 1)); bins_failed+=("$bin"); continue
	fi
	passed=$((passed + p))
	for x in $f; do failed=$((failed + x)); done
	[ $rc -ne 0 ] && bins_failed+=("$bin")
done
[ ${#bins_failed[@]} -gt 0 ] && echo "failing binaries: ${bins_failed[*]}"
echo "$kind: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#bins_failed[@]} -eq 0 ]
