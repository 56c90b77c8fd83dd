// SPDX-License-Identifier: GPL-2.0
// The HTML report's script (export/html.c embeds it in every page): the per-core timeline drawn
// on a canvas from the compact data in #gp-data, and the flame graph's view switch. Nothing is
// fetched and no library is used. The data (html.h says how it is encoded):
//   {dur, ncpus, states: [{name, rgb}], wakers: ["", "timeout", ...], procs: [{pid, comm}],
//    locks: [{name, pid, rgb, join}], words: [{lock, addr, name}],
//    threads: [{tid, pid, comm, s, e, n, d}], views: [{name, svg}], view, strs: [...]}
"use strict";
(function () {
	const D = JSON.parse(document.getElementById("gp-data").textContent);
	const NC = D.ncpus, NL = D.threads.length, NW = D.words.length;
	// styles: a run on CPU c is c; then these; then the futex words
	const S_RQW = NC, S_RQP = NC + 1, S_SLEEP = NC + 2, S_D = NC + 3, S_FUTEX = NC + 4;
	const S_WORD0 = NC + 5, NSTYLE = S_WORD0 + NW, S_BLOCKED = S_SLEEP;
	const WAKER_LANE0 = D.wakers.length; // waker codes: 0 none, labels, then thread lanes
	const LABEL_W = 210, AXIS_H = 24, ROW_H = 18, PAD_R = 10, MIN_SPAN = 50;
	const T = D.threads, str = (i) => D.strs[i];

	// ---- decoding: varint deltas and styles into typed arrays, one thread at a time ----
	function bytesOf(b64) {
		const bin = atob(b64), n = bin.length, u = new Uint8Array(n);
		for (let i = 0; i < n; i++) u[i] = bin.charCodeAt(i);
		return u;
	}

	function decodeThread(th) {
		const u = bytesOf(th.d), n = th.n;
		const ts = new Float64Array(n + 1), st = new Uint32Array(n), wk = new Uint32Array(n);
		let p = 0, t = 0;
		// LEB128, by multiplication: a delta may pass 2^32 ns
		const next = () => {
			let v = 0, mul = 1, b;
			do {
				b = u[p++];
				v += (b & 127) * mul;
				mul *= 128;
			} while (b & 128);
			return v;
		};
		for (let i = 0; i < n; i++) {
			ts[i] = t += next();
			const s = (st[i] = next());
			if (s >= S_BLOCKED) wk[i] = next();
		}
		ts[n] = th.e;
		th.ts = ts;
		th.st = st;
		th.wk = wk;
		delete th.d;
	}

	// ---- CPU lanes: every thread's runs merged by start; idle gaps are style 0 ----
	function heapPush(h, x, key) {
		h.push(x);
		for (let i = h.length - 1; i > 0; ) {
			const p = (i - 1) >> 1;
			if (key(h[p]) <= key(h[i])) break;
			[h[p], h[i]] = [h[i], h[p]];
			i = p;
		}
	}

	function heapPop(h, key) {
		const top = h[0], last = h.pop();
		if (h.length) {
			h[0] = last;
			for (let i = 0; ; ) {
				const l = 2 * i + 1, r = l + 1;
				let m = i;
				if (l < h.length && key(h[l]) < key(h[m])) m = l;
				if (r < h.length && key(h[r]) < key(h[m])) m = r;
				if (m === i) break;
				[h[m], h[i]] = [h[i], h[m]];
				i = m;
			}
		}
		return top;
	}

	// Two threads on one CPU at once: the later switch-in ends the earlier run (as in C).
	function mergeCpu(subs) {
		const starts = [], sty = [], key = (s) => T[s.l].ts[s.a[s.k]];
		const h = [];
		let end = 0;
		for (const s of subs) heapPush(h, s, key);
		while (h.length) {
			const s = heapPop(h, key), th = T[s.l], i = s.a[s.k];
			const a = th.ts[i], b = th.ts[i + 1];
			if (++s.k < s.a.length) heapPush(h, s, key);
			if (a > end) {
				starts.push(end);
				sty.push(0);
			}
			while (starts.length && starts[starts.length - 1] >= a) {
				starts.pop();
				sty.pop();
			}
			starts.push(a);
			sty.push(s.l + 1);
			end = b;
		}
		starts.push(end);
		sty.push(0);
		const n = starts.length;
		const ts = new Float64Array(n + 1), st = new Uint32Array(n);
		for (let i = 0; i < n; i++) {
			ts[i] = starts[i];
			st[i] = sty[i];
		}
		ts[n] = Math.max(D.dur, end);
		return { ts: ts, st: st, n: n };
	}

	function buildCpus() {
		const subs = [];
		for (let c = 0; c < NC; c++) subs.push([]);
		T.forEach((th, l) => {
			const by = new Map();
			for (let i = 0; i < th.n; i++) {
				const s = th.st[i];
				if (s >= NC || th.ts[i + 1] <= th.ts[i]) continue;
				let a = by.get(s);
				if (!a) by.set(s, (a = []));
				a.push(i);
			}
			by.forEach((a, c) => subs[c].push({ l: l, a: a, k: 0 }));
		});
		return subs.map(mergeCpu);
	}

	// ---- colours and names ----
	const styleRgb = new Array(NSTYLE);
	for (let c = 0; c < NC; c++) styleRgb[c] = D.states[0].rgb;
	styleRgb[S_RQW] = D.states[1].rgb;
	styleRgb[S_RQP] = D.states[2].rgb;
	styleRgb[S_FUTEX] = D.states[3].rgb;
	styleRgb[S_SLEEP] = D.states[4].rgb;
	styleRgb[S_D] = D.states[5].rgb;
	for (let w = 0; w < NW; w++) styleRgb[S_WORD0 + w] = D.locks[D.words[w].lock].rgb;
	const threadRgb = T.map((t, i) => "hsl(" + ((i * 137.508) % 360).toFixed(1) + ",62%,52%)");
	const cpuRgb = (s) => (s ? threadRgb[s - 1] : null);
	const thrRgb = (s) => styleRgb[s];

	function fmtNs(ns) {
		const units = [[1e9, " s"], [1e6, " ms"], [1e3, " \u00b5s"]];
		for (const [div, u] of units) {
			if (Math.abs(ns) >= div) {
				const v = ns / div;
				return v.toFixed(Math.max(0, 3 - Math.floor(Math.log10(Math.abs(v))))) + u;
			}
		}
		return Math.round(ns) + " ns";
	}

	const threadName = (l) => T[l].tid + " " + str(T[l].comm);

	function wakerName(code) {
		if (code < WAKER_LANE0) return D.wakers[code];
		if (code < WAKER_LANE0 + NL) return threadName(code - WAKER_LANE0);
		return code - WAKER_LANE0 - NL + " (untraced)";
	}

	function styleName(s) {
		if (s < NC) return "running on cpu" + s;
		if (s === S_RQW) return D.states[1].name;
		if (s === S_RQP) return D.states[2].name;
		if (s === S_SLEEP) return D.states[4].name;
		if (s === S_D) return D.states[5].name;
		if (s === S_FUTEX) return "lock wait (a futex word of no lock object)";
		const w = D.words[s - S_WORD0], lock = str(D.locks[w.lock].name), word = str(w.name);
		return "lock wait: " + lock + "\n  word " + (word === lock ? "" : word + " ") + w.addr;
	}

	// ---- layout: rows of CPUs, then per process a heading and its threads ----
	const rows = [];
	for (let c = 0; c < NC; c++) rows.push({ kind: "cpu", c: c });
	D.procs.forEach((p) => {
		rows.push({ kind: "proc", p: p });
		T.forEach((th, l) => {
			if (th.pid === p.pid) rows.push({ kind: "thread", l: l });
		});
	});
	const rowOfLane = new Int32Array(NL);
	rows.forEach((r, i) => {
		r.y = i * ROW_H;
		if (r.kind === "thread") rowOfLane[r.l] = i;
	});
	const totalH = AXIS_H + rows.length * ROW_H;

	const wrap = document.getElementById("tl-wrap"), stage = document.getElementById("tl-stage");
	const cv = document.getElementById("tl-canvas"), ov = document.getElementById("tl-overlay");
	const tip = document.getElementById("tl-tip"), ctx = cv.getContext("2d");
	const octx = ov.getContext("2d");
	const st = { t0: 0, t1: Math.max(D.dur, 1), W: 0, H: 0, draws: 0, hover: null };
	let cpus = [], acc = null, touched = null, nt = 0, px = -1, laneCtx = null;

	function resize() {
		const dpr = window.devicePixelRatio || 1;
		st.W = Math.max(400, wrap.clientWidth);
		st.H = Math.min(totalH, Math.max(240, Math.round(window.innerHeight * 0.7)));
		for (const c of [cv, ov]) {
			c.width = Math.round(st.W * dpr);
			c.height = Math.round(st.H * dpr);
			c.style.width = st.W + "px";
			c.style.height = st.H + "px";
			c.getContext("2d").setTransform(dpr, 0, 0, dpr, 0, 0);
		}
		stage.style.height = st.H + "px";
		wrap.style.height = st.H + 2 + "px";
		document.getElementById("tl-space").style.height = totalH - st.H + "px";
	}

	const plotW = () => st.W - LABEL_W - PAD_R;
	const scale = () => plotW() / (st.t1 - st.t0);
	const xOf = (t) => LABEL_W + (t - st.t0) * scale();

	// ---- drawing: a lane's tiles in view, sub-pixel ones merged into their pixel ----
	function flush(colourOf, y, h) {
		let best = -1, bw = -1;
		for (let k = 0; k < nt; k++) {
			const s = touched[k];
			if (acc[s] > bw || (acc[s] === bw && s < best)) {
				bw = acc[s];
				best = s;
			}
			acc[s] = 0;
		}
		nt = 0;
		const col = colourOf(best);
		if (col) {
			laneCtx.fillStyle = col;
			laneCtx.fillRect(px, y, 1, h);
		}
		px = -1;
	}

	function firstVisible(ts, n, t) {
		let lo = 0, hi = n;
		while (lo < hi) {
			const m = (lo + hi) >>> 1;
			if (ts[m + 1] <= t) lo = m + 1;
			else hi = m;
		}
		return lo;
	}

	function drawTiles(ts, sty, n, colourOf, y, h) {
		const t0 = st.t0, t1 = st.t1, sc = scale();
		laneCtx = ctx;
		px = -1;
		nt = 0;
		for (let i = firstVisible(ts, n, t0); i < n; i++) {
			const a = ts[i];
			if (a >= t1) break;
			const xa = LABEL_W + (Math.max(a, t0) - t0) * sc;
			const xb = LABEL_W + (Math.min(ts[i + 1], t1) - t0) * sc;
			const s = sty[i];
			if (xb - xa >= 1) {
				if (px >= 0) flush(colourOf, y, h);
				const col = colourOf(s);
				if (col) {
					ctx.fillStyle = col;
					ctx.fillRect(xa, y, xb - xa, h);
				}
				continue;
			}
			const p = Math.floor(xa);
			if (p !== px) {
				if (px >= 0) flush(colourOf, y, h);
				px = p;
			}
			if (acc[s] === 0) touched[nt++] = s;
			acc[s] += xb - xa;
		}
		if (px >= 0) flush(colourOf, y, h);
	}

	function label(text, y, bold) {
		ctx.fillStyle = bold ? "#222" : "#444";
		ctx.font = (bold ? "600 " : "") + "12px system-ui, 'DejaVu Sans', sans-serif";
		let s = text;
		while (s.length > 4 && ctx.measureText(s).width > LABEL_W - 12) s = s.slice(0, -2);
		ctx.fillText(s === text ? s : s + "\u2026", 6, y + ROW_H - 5);
	}

	function drawRow(r, y) {
		if (r.kind === "proc") {
			ctx.fillStyle = "#eef0f4";
			ctx.fillRect(0, y, st.W, ROW_H);
			label("process " + r.p.pid + " " + str(r.p.comm), y, true);
			return;
		}
		if (r.kind === "cpu") {
			label("cpu" + r.c, y, true);
			drawTiles(cpus[r.c].ts, cpus[r.c].st, cpus[r.c].n, cpuRgb, y + 2, ROW_H - 4);
			return;
		}
		const th = T[r.l];
		label(threadName(r.l), y, false);
		drawTiles(th.ts, th.st, th.n, thrRgb, y + 2, ROW_H - 4);
	}

	function niceStep(span, px) {
		const raw = span / Math.max(1, px / 110), p = Math.pow(10, Math.floor(Math.log10(raw)));
		for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
		return 10 * p;
	}

	function drawAxis() {
		const step = niceStep(st.t1 - st.t0, plotW());
		ctx.fillStyle = "#fff";
		ctx.fillRect(0, 0, st.W, AXIS_H);
		ctx.strokeStyle = "#bbb";
		ctx.fillStyle = "#444";
		ctx.font = "11px system-ui, 'DejaVu Sans', sans-serif";
		ctx.beginPath();
		for (let t = Math.ceil(st.t0 / step) * step; t <= st.t1; t += step) {
			const x = Math.round(xOf(t)) + 0.5;
			const text = fmtNs(t);
			ctx.moveTo(x, AXIS_H - 6);
			ctx.lineTo(x, AXIS_H);
			if (x + 3 + ctx.measureText(text).width <= st.W) ctx.fillText(text, x + 3, AXIS_H - 9);
		}
		ctx.moveTo(0, AXIS_H - 0.5);
		ctx.lineTo(st.W, AXIS_H - 0.5);
		ctx.stroke();
	}

	function draw() {
		const top = wrap.scrollTop, began = performance.now();
		ctx.clearRect(0, 0, st.W, st.H);
		ctx.save();
		ctx.beginPath();
		ctx.rect(0, AXIS_H, st.W, st.H - AXIS_H);
		ctx.clip();
		const first = Math.max(0, Math.floor(top / ROW_H));
		for (let i = first; i < rows.length; i++) {
			const y = AXIS_H + rows[i].y - top;
			if (y > st.H) break;
			drawRow(rows[i], y);
		}
		ctx.restore();
		drawAxis();
		st.draws++;
		st.drawMs = performance.now() - began;
		document.getElementById("tl-range").textContent =
			fmtNs(st.t0) + " \u2013 " + fmtNs(st.t1) + " (" + fmtNs(st.t1 - st.t0) + " shown)";
		drawOverlay();
	}

	let pending = false;
	function redraw() {
		if (pending) return;
		pending = true;
		requestAnimationFrame(() => {
			pending = false;
			draw();
		});
	}

	// ---- hover: the state under the pointer, and the wakeups that ended or came from it ----
	let wakesBy = null;
	function buildWakes() {
		const by = T.map(() => []);
		T.forEach((th, l) => {
			for (let i = 0; i < th.n; i++) {
				const w = th.wk[i] - WAKER_LANE0;
				if (th.st[i] >= S_BLOCKED && w >= 0 && w < NL)
					by[w].push(th.ts[i + 1], l);
			}
		});
		wakesBy = by.map((a) => {
			const idx = [];
			for (let k = 0; k < a.length; k += 2) idx.push(k);
			idx.sort((x, y) => a[x] - a[y]);
			return { t: Float64Array.from(idx, (k) => a[k]), to: Int32Array.from(idx, (k) => a[k + 1]) };
		});
	}

	function rowAt(y) {
		const i = Math.floor((y - AXIS_H + wrap.scrollTop) / ROW_H);
		return y >= AXIS_H && i >= 0 && i < rows.length ? i : -1;
	}

	const rowMid = (i) => AXIS_H + rows[i].y - wrap.scrollTop + ROW_H / 2;

	function hit(x, y) {
		const i = rowAt(y);
		if (i < 0 || x < LABEL_W || x > st.W - PAD_R) return null;
		const r = rows[i], t = st.t0 + (x - LABEL_W) / scale();
		if (r.kind === "proc") return null;
		const lane = r.kind === "cpu" ? cpus[r.c] : T[r.l];
		if (t < lane.ts[0] || t >= lane.ts[lane.n]) return null;
		return { row: i, r: r, k: firstVisible(lane.ts, lane.n, t), lane: lane, t: t };
	}

	function tipText(h) {
		const ln = h.lane, k = h.k, a = ln.ts[k], b = ln.ts[k + 1], s = ln.st[k];
		const span = "from " + fmtNs(a) + " for " + fmtNs(b - a);
		if (h.r.kind === "cpu") {
			if (!s) return "cpu" + h.r.c + ": no traced thread\n" + span;
			return "cpu" + h.r.c + ": " + threadName(s - 1) + " ran\n" + span;
		}
		let txt = threadName(h.r.l) + " (pid " + T[h.r.l].pid + ")\n" + styleName(s) + "\n" + span;
		if (s >= S_BLOCKED) {
			const w = ln.wk[k];
			txt += w ? "\nended by " + wakerName(w) + " at " + fmtNs(b) : "\nnot ended";
		}
		if (s < NC) {
			const wk = wakesOf(h.r.l, a, b);
			if (wk.length) txt += "\nwoke " + wk.length + " thread" + (wk.length > 1 ? "s" : "") + " in it";
		}
		return txt;
	}

	function wakesOf(l, a, b) {
		if (!wakesBy) buildWakes();
		const w = wakesBy[l], out = [];
		for (let i = firstVisible2(w.t, a); i < w.t.length && w.t[i] <= b && out.length < 200; i++)
			out.push([w.t[i], w.to[i]]);
		return out;
	}

	function firstVisible2(ts, t) {
		let lo = 0, hi = ts.length;
		while (lo < hi) {
			const m = (lo + hi) >>> 1;
			if (ts[m] < t) lo = m + 1;
			else hi = m;
		}
		return lo;
	}

	function arrow(x, y0, y1) {
		const top = AXIS_H + 2, bot = st.H - 2;
		const ya = Math.min(bot, Math.max(top, y0)), yb = Math.min(bot, Math.max(top, y1));
		octx.beginPath();
		octx.moveTo(x, ya);
		octx.lineTo(x, yb);
		octx.stroke();
		const d = yb > ya ? -6 : 6;
		octx.beginPath();
		octx.moveTo(x, yb);
		octx.lineTo(x - 4, yb + d);
		octx.lineTo(x + 4, yb + d);
		octx.closePath();
		octx.fill();
		octx.beginPath();
		octx.arc(x, ya, 2.5, 0, 2 * Math.PI);
		octx.fill();
	}

	function drawOverlay() {
		octx.clearRect(0, 0, st.W, st.H);
		const h = st.hover;
		if (!h) return;
		const ln = h.lane, a = ln.ts[h.k], b = ln.ts[h.k + 1];
		const xa = Math.max(LABEL_W, xOf(a)), xb = Math.min(st.W - PAD_R, xOf(b));
		const y = rowMid(h.row) - ROW_H / 2;
		octx.strokeStyle = "#000";
		octx.fillStyle = "#000";
		octx.lineWidth = 1.5;
		octx.strokeRect(xa, y + 1, Math.max(1, xb - xa), ROW_H - 2);
		if (h.r.kind !== "thread") return;
		const s = ln.st[h.k], w = ln.wk[h.k] - WAKER_LANE0;
		octx.lineWidth = 1.2;
		if (s >= S_BLOCKED && w >= 0 && w < NL) arrow(xOf(b), rowMid(rowOfLane[w]), rowMid(h.row));
		if (s < NC)
			for (const [t, to] of wakesOf(h.r.l, a, b))
				if (t >= st.t0 && t <= st.t1) arrow(xOf(t), rowMid(h.row), rowMid(rowOfLane[to]));
	}

	function hover(e) {
		const rc = ov.getBoundingClientRect(), h = hit(e.clientX - rc.left, e.clientY - rc.top);
		st.hover = h;
		drawOverlay();
		if (!h) {
			tip.hidden = true;
			return;
		}
		tip.textContent = tipText(h);
		tip.hidden = false;
		const x = e.clientX + 14, w = tip.offsetWidth;
		tip.style.left = (x + w > window.innerWidth ? e.clientX - w - 10 : x) + "px";
		tip.style.top = e.clientY + 14 + "px";
	}

	// Where the longest lock wait that a traced thread ended is drawn (page coordinates), a
	// lock's before a join's, for a look at a hand-off: tools/browser/check-html.cjs hovers it.
	function handoff() {
		let best = null;
		T.forEach((th, l) => {
			for (let i = 0; i < th.n; i++) {
				const w = th.wk[i] - WAKER_LANE0, s = th.st[i];
				const d = th.ts[i + 1] - th.ts[i] + (s >= S_WORD0 && !D.locks[D.words[s - S_WORD0].lock].join ? 1e15 : 0);
				if (s >= S_FUTEX && w >= 0 && w < NL && (!best || d > best.d))
					best = { l: l, i: i, d: d };
			}
		});
		if (!best) return null;
		const th = T[best.l], rc = ov.getBoundingClientRect();
		const t = (Math.max(th.ts[best.i], st.t0) + Math.min(th.ts[best.i + 1], st.t1)) / 2;
		return [rc.left + xOf(t), rc.top + rowMid(rowOfLane[best.l])];
	}

	// ---- zoom (wheel, about the pointer) and pan (drag) ----
	function setView(t0, span) {
		span = Math.min(Math.max(span, MIN_SPAN), Math.max(D.dur, 1));
		t0 = Math.min(Math.max(t0, 0), Math.max(D.dur, 1) - span);
		st.t0 = t0;
		st.t1 = t0 + span;
		redraw();
	}

	function wheel(e) {
		if (e.shiftKey) {
			wrap.scrollTop += e.deltaY || e.deltaX;
			e.preventDefault();
			return;
		}
		e.preventDefault();
		const rc = ov.getBoundingClientRect(), x = Math.max(0, e.clientX - rc.left - LABEL_W);
		const tm = st.t0 + x / scale(), span = (st.t1 - st.t0) * Math.exp(e.deltaY * 0.0015);
		setView(tm - (x * span) / plotW(), span);
	}

	let drag = null;
	function down(e) {
		drag = { x: e.clientX, t0: st.t0 };
		ov.classList.add("drag");
		ov.setPointerCapture(e.pointerId);
	}

	function move(e) {
		if (!drag) return hover(e);
		setView(drag.t0 - (e.clientX - drag.x) / scale(), st.t1 - st.t0);
	}

	function up() {
		drag = null;
		ov.classList.remove("drag");
	}

	// ---- legend ----
	function legendItem(rgb, text) {
		const s = document.createElement("span"), sw = document.createElement("span");
		s.className = "item";
		sw.className = "sw";
		sw.style.background = rgb;
		s.append(sw, text);
		return s;
	}

	function legend() {
		const box = document.getElementById("tl-legend");
		const line = (title, items) => {
			const d = document.createElement("div"), b = document.createElement("b");
			b.textContent = title;
			d.append(b, ...items);
			box.append(d);
		};
		line("threads:", [[0, "running"], [1, "run queue (woken)"], [2, "run queue (preempted)"],
			[4, "sleep"], [5, "D (blocked)"]].map(([i, n]) => legendItem(D.states[i].rgb, n)));
		const locks = D.locks.map((l) => legendItem(l.rgb, str(l.name) + (l.join ? " (join)" : "")));
		line("lock waits, by lock:", locks.length ? locks : ["none"]);
		const th = T.slice(0, 40).map((t, i) => legendItem(threadRgb[i], threadName(i)));
		if (NL > 40) th.push("\u2026 " + (NL - 40) + " more");
		line("CPUs, by thread:", th);
	}

	// ---- the flame graph's views: an iframe per view, made when first shown ----
	function flame() {
		const bar = document.getElementById("fg-views"), box = document.getElementById("fg-box");
		const frames = {};
		if (!D.views.length) {
			box.textContent = "no stacks were taken";
			return;
		}
		const show = (name) => {
			for (const b of bar.children) b.classList.toggle("on", b.dataset.view === name);
			for (const k in frames) frames[k].hidden = k !== name;
			if (!frames[name]) {
				const v = D.views.find((x) => x.name === name), f = document.createElement("iframe");
				const m = /<svg[^>]*?width="(\d+)" height="(\d+)"/.exec(v.svg);
				f.title = name + " view";
				f.dataset.view = name;
				if (m) {
					f.width = +m[1] + 4;
					f.height = +m[2] + 4;
				}
				f.srcdoc = v.svg;
				frames[name] = f;
				box.append(f);
			}
		};
		for (const v of D.views) {
			const b = document.createElement("button");
			b.type = "button";
			b.textContent = v.name;
			b.dataset.view = v.name;
			b.addEventListener("click", () => show(v.name));
			bar.append(b);
		}
		show(D.view || D.views[0].name);
	}

	// ---- start ----
	let nseg = 0;
	for (const th of T) {
		decodeThread(th);
		nseg += th.n;
	}
	cpus = buildCpus();
	acc = new Float64Array(Math.max(NSTYLE, NL + 1));
	touched = new Uint32Array(acc.length);
	resize();
	draw();
	const drawn = performance.now();
	window.gpTimeline = { drawnMs: drawn, segments: nseg, lanes: NL, state: st, handoff: handoff };
	document.getElementById("tl-status").textContent =
		"\u00b7 " + nseg + " segments of " + NL + " threads, drawn " + Math.round(drawn) +
		" ms after the page began loading";
	requestAnimationFrame(() => {
		window.gpTimeline.firstPaintMs = performance.now();
	});
	legend();
	flame();
	ov.addEventListener("wheel", wheel, { passive: false });
	ov.addEventListener("pointerdown", down);
	ov.addEventListener("pointermove", move);
	ov.addEventListener("pointerup", up);
	ov.addEventListener("pointerleave", () => {
		st.hover = null;
		tip.hidden = true;
		drawOverlay();
	});
	wrap.addEventListener("scroll", redraw);
	window.addEventListener("resize", () => {
		resize();
		draw();
	});
	document.getElementById("tl-reset").addEventListener("click", () => setView(0, D.dur));
})();
