#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fail when a C source or header differs from clang-format's kernel style (.clang-format).
set -euo pipefail
cd "$(dirname "$0")/.."
# tracked and new files, so that a check before the first commit sees what will be committed
files=$(git ls-files -co --exclude-standard 'bpf/*.[ch]' 'userspace/*/*.[ch]' 'workloads/*.[ch]' \
	'tests/*.[ch]' 'tests/*/*.[ch]' 'tools/*.c' 'tools/*/*.c' | while read -r f; do [ -e "$f" ] && echo "$f"; done)
clang-format --dry-run --Werror $files
long=$(awk 'length > 100 {print FILENAME ":" FNR}' $files)
if [ -n "$long" ]; then
	echo "lines over 100 columns:" $long >&2
	exit 1
fi
echo "format: $(echo $files | wc -w) files clean"
