#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install playwright-core, pinned by tools/browser/package-lock.json, into DEST (default
# build/browser) for the HTML report's test in Debian's Chromium; a no-op when it is there.
# playwright-core downloads no browser: the test drives /usr/bin/chromium (tools/deps.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dest=${1:-$root/build/browser}
lock=$root/tools/browser/package-lock.json
if cmp -s "$lock" "$dest/package-lock.json" && [ -f "$dest/node_modules/playwright-core/package.json" ]; then
	exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
	echo "browser: npm is missing: 'sudo make deps' installs it" >&2
	exit 1
fi
mkdir -p "$dest"
cp "$root/tools/browser/package.json" "$lock" "$dest/"
(cd "$dest" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
echo "browser: $(node -p "'playwright-core ' + require('$dest/node_modules/playwright-core/package.json').version") in $dest"
