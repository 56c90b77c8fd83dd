#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages gilprof builds, tests and benchmarks with. A no-op when all are there.
set -euo pipefail

# libclang-rt-dev: clang's libFuzzer and sanitizer runtimes (make fuzz), which clang itself only
# recommends, so an install without recommends lacks them. python3-jsonschema: the tests validate
# every JSON report against doc/*.schema.json. man-db and groff-base render the man page (its
# test renders it with warnings on); binutils' readelf checks that the caller's flags reach the
# installed binary. chromium and fonts-dejavu-core: the HTML report's browser test.
pkgs=(make gcc clang libclang-rt-dev llvm libbpf-dev bpftool libelf-dev libdw-dev zlib1g-dev
      pkg-config libcriterion-dev libjson-c-dev linux-perf libxml2-utils python3
      python3-jsonschema golang-go libc6-dbg clang-format man-db groff-base binutils chromium
      fonts-dejavu-core)
pkgs+=(prometheus tmux) # gilprof monitor and top, end to end
# The browser test and speedscope's importer run Node.js (the machine's own when it has one).
command -v node >/dev/null 2>&1 || pkgs+=(nodejs npm)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -ne 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "gilprof: missing packages: ${missing[*]}; run 'sudo make deps'" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# From the npm registry, at the versions their lockfiles pin: playwright-core into build/browser
# (without it the HTML report's browser test tries again, then skips saying why), and speedscope
# for its own importer (tools/speedscope/import.js; without it the tests of --speedscope check
# the file's structure only).
"$(dirname "$0")"/browser/install.sh || echo "deps: playwright-core not installed (see above)" >&2
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
