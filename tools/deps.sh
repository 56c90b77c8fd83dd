#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages gilprof builds, tests and benchmarks with. A no-op when all are there.
set -euo pipefail

# libclang-rt-dev: clang's libFuzzer and sanitizer runtimes (make fuzz), which clang itself only
# recommends, so an install without recommends lacks them. python3-jsonschema: the tests validate
# every JSON report against doc/*.schema.json.
pkgs=(make gcc clang libclang-rt-dev llvm libbpf-dev bpftool libelf-dev libdw-dev zlib1g-dev
      pkg-config libcriterion-dev libjson-c-dev linux-perf libxml2-utils python3
      python3-jsonschema golang-go libc6-dbg clang-format)

# speedscope's own importer for the tests of --speedscope (tools/speedscope/import.js): the npm
# package that tools/speedscope/package-lock.json pins, where npm is installed (node is not one
# of the Debian packages above; without it the tests check the file's structure only).
speedscope_importer() {
	local dir
	dir="$(dirname "$0")/speedscope"
	[ -d "$dir/node_modules/speedscope" ] && return 0
	command -v npm >/dev/null 2>&1 || return 0
	echo "deps: npm ci in $dir (speedscope's importer, for the tests)"
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
		echo "deps: npm ci failed: the tests check speedscope files' structure only" >&2
}
speedscope_importer

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "gilprof: missing packages: ${missing[*]}; run 'sudo make deps'" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
