// SPDX-License-Identifier: GPL-2.0
// The HTML report in headless Chromium, as a person would use it: it loads with no console error
// and no request, names the locks, draws the timeline, zooms, pans, shows a state on hover and
// switches the flame graph's view. Prints one JSON line of findings; exits 1 on a failed check.
// usage: node check-html.cjs NODE_MODULES PAGE.html SHOT.png LOCK_NAME...
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");

const [modules, page, shot, ...locks] = process.argv.slice(2);
const { chromium } = require(path.join(path.resolve(modules), "playwright-core"));
const failures = [];
const check = (ok, what) => ok || failures.push(what);

// Debian's Chromium, without the background services that would reach out to the network.
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync"];

async function canvasInk(p) {
	return p.evaluate(() => {
		const c = document.getElementById("tl-canvas"), x = c.getContext("2d");
		const d = x.getImageData(0, 0, c.width, c.height).data;
		let ink = 0;
		for (let i = 0; i < d.length; i += 4)
			if (d[i + 3] && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) ink++;
		return ink;
	});
}

async function span(p) {
	return p.evaluate(() => [window.gpTimeline.state.t0, window.gpTimeline.state.t1]);
}

async function settle(p) {
	await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

// The first thread lane, in the middle of the thread's life: where a hover finds a state.
async function laneXY(p) {
	return p.evaluate(() => {
		const r = document.getElementById("tl-overlay").getBoundingClientRect();
		const d = JSON.parse(document.getElementById("gp-data").textContent);
		const st = window.gpTimeline.state, t = (d.threads[0].s + d.threads[0].e) / 2;
		const x = 210 + ((t - st.t0) / (st.t1 - st.t0)) * (r.width - 220);
		return [r.left + x, r.top + 24 + (d.ncpus + 1) * 18 + 9];
	});
}

async function views(p, found) {
	const names = await p.$$eval("#fg-views button", (bs) => bs.map((b) => b.dataset.view));
	found.views = names;
	check(names.length > 0, "no flame graph view");
	if (names.length < 2) return;
	const shown = await p.$eval("#fg-views button.on", (b) => b.dataset.view);
	const other = names.find((n) => n !== shown);
	await p.click(`#fg-views button[data-view="${other}"]`);
	await p.waitForFunction((v) => {
		const f = document.querySelector(`#fg-box iframe[data-view="${v}"]`);
		return f && !f.hidden && f.contentDocument && f.contentDocument.querySelector("svg #title");
	}, other);
	const f = await p.$(`#fg-box iframe[data-view="${other}"]`);
	const fr = await f.contentFrame();
	const title = await fr.$eval("svg #title", (t) => t.textContent);
	found.switched = { from: shown, to: other, title: title };
	check(title.includes(`(${other} view)`), `view switch: the ${other} frame is titled ${title}`);
	const hiddenOld = await p.$eval(`#fg-box iframe[data-view="${shown}"]`, (x) => x.hidden);
	check(hiddenOld, "view switch: the previous view is still shown");
}

async function interact(p, found) {
	const [x, y] = await laneXY(p);
	const before = await span(p);
	await p.mouse.move(x, y);
	await p.mouse.wheel(0, -600);
	await settle(p);
	const zoomed = await span(p);
	found.zoomDrawMs = await p.evaluate(() => window.gpTimeline.state.drawMs);
	found.zoom = { before: before, after: zoomed };
	check(zoomed[1] - zoomed[0] < (before[1] - before[0]) * 0.8, "wheel did not zoom in");
	await p.mouse.move(x, y);
	await p.mouse.down();
	await p.mouse.move(x - 150, y, { steps: 5 });
	await p.mouse.up();
	await settle(p);
	const panned = await span(p);
	found.pan = panned;
	check(panned[0] > zoomed[0], "dragging left did not pan to later times");
	await p.click("#tl-reset");
	await settle(p);
	const [hx, hy] = await laneXY(p);
	await p.mouse.move(hx, hy);
	await settle(p);
	found.tip = await p.$eval("#tl-tip", (t) => (t.hidden ? "" : t.textContent));
	check(/from .* for /.test(found.tip), "hovering a thread lane shows no state");
}

// A lock wait that another thread ended: the tip names the waker, an arrow comes from its lane.
async function handoff(p, found, shot) {
	const at = await p.evaluate(() => window.gpTimeline.handoff());
	if (!at) return;
	await p.mouse.move(at[0], at[1]);
	await settle(p);
	found.handoffTip = await p.$eval("#tl-tip", (t) => (t.hidden ? "" : t.textContent));
	check(/lock wait: [^]*ended by \d+ /.test(found.handoffTip), "a hand-off's tip names no waker");
	found.arrowInk = await p.evaluate(() => {
		const c = document.getElementById("tl-overlay");
		const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		let ink = 0;
		for (let i = 3; i < d.length; i += 4) ink += d[i] > 0;
		return ink;
	});
	check(found.arrowInk > 20, "no hand-off drawn on hover");
	await p.locator("#timeline").screenshot({ path: shot.replace(/\.png$/, "-hover.png") });
}

async function main() {
	const url = "file://" + path.resolve(page);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gilprof-chromium-"));
	const ctx = await chromium.launchPersistentContext(dir, {
		executablePath: "/usr/bin/chromium", headless: true, args: FLAGS,
		viewport: { width: 1400, height: 1000 },
	});
	const found = { bytes: fs.statSync(page).size, requests: [], errors: [] };
	try {
		const p = ctx.pages()[0] || (await ctx.newPage());
		p.on("request", (r) => r.url() !== url && found.requests.push(r.url()));
		p.on("console", (m) => m.type() === "error" && found.errors.push(m.text()));
		p.on("pageerror", (e) => found.errors.push(String(e)));
		const t0 = Date.now();
		await p.goto(url, { waitUntil: "load", timeout: 120000 });
		await p.waitForFunction(() => window.gpTimeline && window.gpTimeline.firstPaintMs, null,
			{ timeout: 120000 });
		found.wallMs = Date.now() - t0;
		Object.assign(found, await p.evaluate(() => ({
			drawnMs: window.gpTimeline.drawnMs, firstPaintMs: window.gpTimeline.firstPaintMs,
			segments: window.gpTimeline.segments, lanes: window.gpTimeline.lanes,
			firstDrawMs: window.gpTimeline.state.drawMs,
		})));
		const text = await p.evaluate(() => document.body.innerText);
		for (const l of locks) check(text.includes(l), `the page does not name the lock ${l}`);
		found.ink = await canvasInk(p);
		check(found.ink > 1000, `the timeline canvas is blank (${found.ink} pixels drawn)`);
		await views(p, found);
		await interact(p, found);
		await handoff(p, found, shot);
		await p.mouse.move(0, 0);
		await p.evaluate(() => window.scrollTo(0, 0));
		await settle(p);
		await p.screenshot({ path: shot, fullPage: false });
	} finally {
		await ctx.close();
		fs.rmSync(dir, { recursive: true, force: true });
	}
	check(!found.errors.length, "console errors: " + found.errors.join("; "));
	check(!found.requests.some((u) => !/^(about:|data:|blob:)/.test(u)),
		"requests: " + found.requests.join(" "));
	found.failures = failures;
	console.log(JSON.stringify(found));
	process.exit(failures.length ? 1 : 0);
}

main().catch((e) => {
	console.log(JSON.stringify({ failures: [String(e && e.stack ? e.stack : e)] }));
	process.exit(1);
});
