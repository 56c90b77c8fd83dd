#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The HTML report of about a million events: `perf bench sched pipe -l LOOPS` recorded under
# gilprof, reported with --html and --trace, and the page opened RUNS times in headless Chromium
# (tools/browser/check-html.cjs): its size, and when its timeline was drawn and first painted
# (performance.now(), from the start of the page's navigation). Root, for gilprof record.
# usage: tools/bench-html.sh [LOOPS [RUNS]]    (defaults 330000, 3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
loops=${1:-330000} runs=${2:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$root/tools/browser/install.sh" >&2
"$root/build/gilprof" record --no-status -o "$tmp/pipe.data" -- \
	perf bench sched pipe -l "$loops" 2>&1 >/dev/null | grep '^gilprof: recorded'
start=$(date +%s.%N)
"$root/build/gilprof" report "$tmp/pipe.data" -o /dev/null --html "$tmp/pipe.html" \
	--trace "$tmp/pipe.trace.json.gz"
end=$(date +%s.%N)
printf 'report --html --trace: %.2f s; page %d bytes, trace %d bytes gzipped\n' \
	"$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$(stat -c %s "$tmp/pipe.html")" \
	"$(stat -c %s "$tmp/pipe.trace.json.gz")"
for i in $(seq "$runs"); do
	node "$root/tools/browser/check-html.cjs" "$root/build/browser/node_modules" \
		"$tmp/pipe.html" "$root/build/bench-html.png" |
		node -e 'const f = JSON.parse(require("fs").readFileSync(0, "utf8"));
			console.log(`chromium: ${f.segments} segments of ${f.lanes} threads drawn at ` +
				`${f.drawnMs.toFixed(0)} ms, first paint ${f.firstPaintMs.toFixed(0)} ms ` +
				`(load to paint seen by the test ${f.wallMs} ms); a redraw of it all ` +
				`${f.firstDrawMs.toFixed(0)} ms, zoomed in ${f.zoomDrawMs.toFixed(0)} ms` +
				(f.failures.length ? `; FAILED: ${f.failures.join("; ")}` : ""))'
done
echo "screenshot: $root/build/bench-html.png"
