#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fail when a userspace module includes a layer above its own. The folders are the layers, lowest
# first; an include may name its own layer or any layer before it in this list (README.md, 'Source
# layout'). Data flows collect -> stream -> model; analyze and export read the finished trace.
set -euo pipefail
cd "$(dirname "$0")/.."
layers=(util model symbolize stream collect analyze export cli)
rank() {
	local i
	for i in "${!layers[@]}"; do
		[ "${layers[$i]}" = "$1" ] && { echo "$i"; return; }
	done
	echo "check-layers: $1 is not a layer: add it to tools/check-layers.sh" >&2
	exit 1
}
bad=0
for f in userspace/*/*.[ch]; do
	own=$(basename "$(dirname "$f")")
	r=$(rank "$own")
	while IFS=: read -r line inc; do
		l=${inc%%/*}
		if [ "$(rank "$l")" -gt "$r" ]; then
			echo "$f:$line: $own includes $inc, a layer above it" >&2
			bad=1
		fi
	done < <(grep -noE '^#include "[a-z]+/[a-z_]+\.h"' "$f" | sed -E 's/:#include "/:/; s/"$//')
done
[ $bad -eq 0 ] || exit 1
echo "layers: ${layers[*]} (each includes only its own and those before it)"
