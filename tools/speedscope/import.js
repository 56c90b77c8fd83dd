#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0
// usage: node import.js FILE...
// Each speedscope file through speedscope's own importer, the function its web app runs on a
// dropped file, taken from the release bundle of the npm package that package-lock.json pins
// (make deps installs it). Prints a line per profile: name, unit and total weight, tab-separated;
// what the importer throws goes to stderr with exit 1.
//
// The bundle is a browser app: it is run in a context of stub browser objects, where it defines
// its functions and then fails to draw. The importer is the function called after the
// "Importing as speedscope json file" message; as the minified names change from one release to
// the next, it is found by that message and exposed at the start of the bundle's scope, where
// function declarations are already hoisted.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const dir = path.join(__dirname, "node_modules/speedscope/dist/release");

function importer() {
	const bundle = fs.readdirSync(dir).find((f) => /^speedscope-.*\.js$/.test(f));
	let src = bundle && fs.readFileSync(path.join(dir, bundle), "utf8");
	const m = src && /Importing as speedscope json file"\),(\w+)\(/.exec(src);
	const head = '"use strict";(()=>{';

	if (!m || !src.startsWith(head))
		throw new Error(`no speedscope importer found in ${dir}`);
	src = head + "globalThis.__gilprof_import=" + m[1] + ";" + src.slice(head.length);
	const stub = new Proxy(function () {}, {
		get: (t, k) => (k === Symbol.toPrimitive ? () => "" : stub),
		apply: () => stub,
		construct: () => stub,
	});
	const quiet = { log() {}, warn() {}, error() {}, info() {} };
	const ctx = { console: quiet, window: stub, document: stub, navigator: stub, location: stub,
		      self: stub, setTimeout() {}, requestAnimationFrame() {}, URL, TextDecoder,
		      TextEncoder };
	ctx.globalThis = ctx;
	vm.createContext(ctx);
	try {
		vm.runInContext(src, ctx);
	} catch (e) {
		/* the app cannot draw without a page: the importer is defined by then */
	}
	if (typeof ctx.__gilprof_import !== "function")
		throw new Error("speedscope's importer did not load");
	return ctx.__gilprof_import;
}

const imp = importer();
let status = 0;
for (const file of process.argv.slice(2)) {
	try {
		const group = imp(JSON.parse(fs.readFileSync(file, "utf8")));
		for (const p of group.profiles)
			console.log([p.getName(), p.getWeightUnit(), p.getTotalWeight()].join("\t"));
	} catch (e) {
		console.error(`${file}: ${e.message}`);
		status = 1;
	}
}
process.exit(status);
