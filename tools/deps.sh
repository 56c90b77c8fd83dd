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
