// SPDX-License-Identifier: GPL-2.0
/*
 * Layout works on a flat array of (stack, weight) entries instead of a merged tree: at each
 * level the entries of a frame's partition are sorted by the rank of their frame at that depth,
 * which makes the children of the frame runs of equal keys, in name order. A run narrower than
 * the minimum width is counted and skipped without being partitioned further, so the work is
 * bounded by the frames drawn and the levels they span, never by the size of the full tree,
 * which for a million distinct stacks would hold tens of millions of nodes.
 */
#include <errno.h>
#include <stdlib.h>

#include "export/escape.h"
#include "export/flamegraph.h"
#include "export/folded.h"
#include "util/gzfile.h"

#define XPAD 10
#define ROOT_FRAME UINT32_MAX
#define ISORT_MAX 32
#define GLYPH_WIDTH 0.59 /* average glyph width of Verdana per px of font size */

struct fg_entry {
	const uint32_t *frames;
	uint64_t weight;
	uint32_t depth;
	uint32_t key; /* rank of frames[level], end_key once the stack has ended */
	uint32_t kind;
};

struct fg_node {
	uint64_t x, w; /* in profile units from the left edge */
	uint64_t kw[GP_SK_COUNT]; /* w split by sample kind */
	uint32_t frame; /* ROOT_FRAME for "all" */
	uint32_t depth;
};

/* A frame whose children are being laid out: entries [lo, hi), next run at cur. */
struct fg_level {
	size_t lo, hi, cur;
	uint64_t x;
	uint32_t d;
};

struct fg_layout {
	const struct gp_profile *p;
	struct fg_entry *e, *tmp;
	size_t n;
	uint32_t *rank; /* frame id -> 1 + position in (name, kind) order */
	uint32_t end_key;
	double min_w;
	struct fg_node *nodes; /* in depth-first order, the order the script relies on */
	size_t nnodes, nodes_cap;
	struct fg_level *lv;
	size_t nlv, lv_cap;
	size_t omitted;
	size_t cut; /* stacks deeper than FG_MAX_DEPTH frames, cut there */
	uint32_t max_depth;
};

/*
 * Frames drawn below the root, at most: a stack of millions of frames (runaway recursion, a
 * crafted file) would otherwise make an image millions of frames tall, and no one reads a
 * thousand-frame tower frame by frame.
 */
#define FG_MAX_DEPTH 1024

enum fg_class {
	FC_ROOT,
	FC_CPU,
	FC_LOCK_WAIT,
	FC_LOCK,
	FC_RUNQ,
	FC_SLEEP,
	FC_WOKEN,
	FC_WAKER,
	FC_KERNEL,
	FC_COMM,
	FC_COUNT,
};

/* Colour = base + range * (a variation in [0, 1) derived from the name), per channel. */
struct fg_palette {
	const char *label;
	unsigned char r, rr, g, gr, b, br;
};

static const struct fg_palette palettes[FC_COUNT] = {
	[FC_ROOT] = {"all", 200, 10, 200, 10, 200, 10},
	[FC_CPU] = {"on-CPU", 205, 50, 0, 230, 0, 55},
	[FC_LOCK_WAIT] = {"lock wait", 180, 50, 30, 30, 110, 50},
	[FC_LOCK] = {"lock", 130, 50, 40, 40, 190, 60},
	[FC_RUNQ] = {"run-queue wait", 225, 30, 200, 45, 0, 90},
	[FC_SLEEP] = {"sleep/IO", 40, 60, 100, 80, 205, 50},
	[FC_WOKEN] = {"woken (wake view)", 120, 50, 175, 50, 225, 30},
	[FC_WAKER] = {"waker", 50, 70, 180, 60, 50, 70},
	[FC_KERNEL] = {"kernel", 215, 25, 135, 35, 70, 30},
	[FC_COMM] = {"thread", 170, 20, 175, 20, 185, 20},
};

static const char *const kind_labels[GP_SK_COUNT] = {
	[GP_SK_CPU] = "on-CPU",		 [GP_SK_LOCK_WAIT] = "lock wait",
	[GP_SK_RUNQ_WAIT] = "run-queue", [GP_SK_SLEEP] = "sleep/IO",
	[GP_SK_WAKER] = "wake view",
};

/* The interactive part; fg_cfg is written before it. Frames are <g> in depth-first order. */
static const char fg_script[] =
	"\"use strict\";\n"
	"var fg = { frames: [], re: null, last: \"\" };\n"
	"function fg_label(f, w) {\n"
	"\tvar n = Math.floor((w - 6) / fg_cfg.charw);\n"
	"\tif (n < 3) return \"\";\n"
	"\treturn f.name.length <= n ? f.name : f.name.substring(0, n - 2) + \"..\";\n"
	"}\n"
	"function fg_place(f, x, w) {\n"
	"\tf.r.setAttribute(\"x\", x.toFixed(2));\n"
	"\tf.r.setAttribute(\"width\", w.toFixed(2));\n"
	"\tf.t.setAttribute(\"x\", (x + 3).toFixed(2));\n"
	"\tf.t.textContent = fg_label(f, w);\n"
	"}\n"
	"function fg_zoom(i) {\n"
	"\tvar z = fg.frames[i], scale = fg_cfg.fullw / z.w, anc = {}, j, f;\n"
	"\tfor (j = z.parent; j >= 0; j = fg.frames[j].parent) anc[j] = true;\n"
	"\tfor (j = 0; j < fg.frames.length; j++) {\n"
	"\t\tf = fg.frames[j];\n"
	"\t\tif (j >= i && j < z.end)\n"
	"\t\t\tfg_place(f, fg_cfg.xpad + (f.x - z.x) * scale, f.w * scale);\n"
	"\t\telse if (anc[j]) fg_place(f, fg_cfg.xpad, fg_cfg.fullw);\n"
	"\t\tf.g.classList.toggle(\"hide\", !(anc[j] || (j >= i && j < z.end)));\n"
	"\t\tf.g.classList.toggle(\"parent\", !!anc[j]);\n"
	"\t}\n"
	"\tfg.unzoom.classList.remove(\"hide\");\n"
	"}\n"
	"function fg_unzoom() {\n"
	"\tfor (var j = 0; j < fg.frames.length; j++) {\n"
	"\t\tvar f = fg.frames[j];\n"
	"\t\tfg_place(f, f.x, f.w);\n"
	"\t\tf.g.classList.remove(\"hide\", \"parent\");\n"
	"\t}\n"
	"\tfg.unzoom.classList.add(\"hide\");\n"
	"}\n"
	"function fg_search(s) {\n"
	"\tvar re, j, f, hit, m = 0, skip = -1, root = fg.frames[0];\n"
	"\ttry { re = new RegExp(s); } catch (e) { alert(\"Invalid regular expression: \" + "
	"e.message); return; }\n"
	"\tfg.re = fg.last = s;\n"
	"\t/* Matches nested in a counted match are highlighted but not counted twice. */\n"
	"\tfor (j = 1; j < fg.frames.length; j++) {\n"
	"\t\tf = fg.frames[j];\n"
	"\t\thit = re.test(f.name);\n"
	"\t\tf.g.classList.toggle(\"hl\", hit);\n"
	"\t\tif (hit && j >= skip) { m += f.w; skip = f.end; }\n"
	"\t}\n"
	"\tfg.matched.textContent = \"Matched: \" + (root ? (100 * m / root.w).toFixed(1) : \"0\") "
	"+ \"% of total\";\n"
	"\tfg.search.textContent = \"Reset Search\";\n"
	"}\n"
	"function fg_search_reset() {\n"
	"\tfor (var j = 0; j < fg.frames.length; j++) fg.frames[j].g.classList.remove(\"hl\");\n"
	"\tfg.re = null;\n"
	"\tfg.matched.textContent = \" \";\n"
	"\tfg.search.textContent = \"Search\";\n"
	"}\n"
	"function fg_search_prompt() {\n"
	"\tvar s = prompt(\"Search frames (regular expression):\", fg.last);\n"
	"\tif (s) fg_search(s);\n"
	"}\n"
	"function fg_info(f) {\n"
	"\tvar l = f.info.split(\"\\n\");\n"
	"\treturn l[0] + \" (\" + l.slice(1).join(\"; \") + \")\";\n"
	"}\n"
	"function fg_target(e) {\n"
	"\tfor (var n = e.target; n && n !== document; n = n.parentNode)\n"
	"\t\tif (n.fgi !== undefined) return n.fgi;\n"
	"\treturn -1;\n"
	"}\n"
	"function fg_init() {\n"
	"\tvar box = document.getElementById(\"frames\"), gs = box.children, st = [], j, s;\n"
	"\tfg.details = document.getElementById(\"details\");\n"
	"\tfg.matched = document.getElementById(\"matched\");\n"
	"\tfg.unzoom = document.getElementById(\"unzoom\");\n"
	"\tfg.search = document.getElementById(\"search\");\n"
	"\tfor (j = 0; j < gs.length; j++) {\n"
	"\t\tvar g = gs[j], r = g.getElementsByTagName(\"rect\")[0];\n"
	"\t\tvar info = g.getElementsByTagName(\"title\")[0].textContent;\n"
	"\t\tvar nl = info.indexOf(\"\\n\");\n"
	"\t\tvar f = { g: g, r: r, t: g.getElementsByTagName(\"text\")[0], info: info,\n"
	"\t\t\tname: nl < 0 ? info : info.substring(0, nl), x: +r.getAttribute(\"x\"),\n"
	"\t\t\tw: +r.getAttribute(\"width\"), parent: -1, end: gs.length };\n"
	"\t\tf.d = Math.round((fg_cfg.bottom - r.getAttribute(\"y\")) / fg_cfg.fh) - 1;\n"
	"\t\twhile (st.length && fg.frames[st[st.length - 1]].d >= f.d) "
	"fg.frames[st.pop()].end = j;\n"
	"\t\tf.parent = st.length ? st[st.length - 1] : -1;\n"
	"\t\tg.fgi = j;\n"
	"\t\tst.push(j);\n"
	"\t\tfg.frames.push(f);\n"
	"\t}\n"
	"\tbox.addEventListener(\"click\", function (e) {\n"
	"\t\tvar i = fg_target(e);\n"
	"\t\tif (i > 0) fg_zoom(i); else if (i === 0) fg_unzoom();\n"
	"\t});\n"
	"\tbox.addEventListener(\"mouseover\", function (e) {\n"
	"\t\tvar i = fg_target(e);\n"
	"\t\tif (i >= 0) fg.details.textContent = fg_info(fg.frames[i]);\n"
	"\t});\n"
	"\tbox.addEventListener(\"mouseout\", function () { fg.details.textContent = \" \"; });\n"
	"\tfg.unzoom.addEventListener(\"click\", fg_unzoom);\n"
	"\tfg.search.addEventListener(\"click\", function () {\n"
	"\t\tif (fg.re !== null) fg_search_reset(); else fg_search_prompt();\n"
	"\t});\n"
	"\twindow.addEventListener(\"keydown\", function (e) {\n"
	"\t\tif ((e.ctrlKey || e.metaKey) && (e.key === \"f\" || e.key === \"F\")) {\n"
	"\t\t\te.preventDefault();\n"
	"\t\t\tfg_search_prompt();\n"
	"\t\t} else if (e.key === \"Escape\") {\n"
	"\t\t\tfg_search_reset();\n"
	"\t\t}\n"
	"\t});\n"
	"\ts = new URLSearchParams(window.location.search).get(\"s\");\n"
	"\tif (s) fg_search(s);\n"
	"}\n"
	"window.addEventListener(\"load\", fg_init);\n";

static const char fg_style[] =
	"text { font-family: Verdana, \"DejaVu Sans\", sans-serif; fill: rgb(0,0,0); }\n"
	"#title { text-anchor: middle; }\n"
	"#subtitle { text-anchor: middle; fill: rgb(90,90,90); }\n"
	"#search, #matched { text-anchor: end; }\n"
	".btn { cursor: pointer; fill: rgb(30,30,140); }\n"
	".btn:hover { text-decoration: underline; }\n"
	"#frames > g { cursor: pointer; }\n"
	"#frames > g:hover > rect { stroke: rgb(0,0,0); stroke-width: 0.5; }\n"
	"#frames text { pointer-events: none; }\n"
	".hide { display: none; }\n"
	".parent { opacity: 0.5; }\n"
	".hl > rect { fill: rgb(255,0,255); stroke: rgb(90,0,90); stroke-width: 0.5; }\n";

void flamegraph_opts_init(struct gp_flamegraph_opts *o)
{
	*o = (struct gp_flamegraph_opts){
		.title = "Flame Graph",
		.width = 1200,
		.frame_height = 16,
		.font_size = 12,
		.min_width = 0.1,
		.unit = "samples",
		.kind = GP_SK_CPU,
	};
}

static int opts_check(const struct gp_flamegraph_opts *o, struct prof_err *pe)
{
	if (o->width < 200 || o->width > 100000)
		return prof_err_set(pe, EINVAL, "flame graph width %u is not in 200..100000",
				    o->width);
	if (o->frame_height < 8 || o->frame_height > 100)
		return prof_err_set(pe, EINVAL, "frame height %u is not in 8..100",
				    o->frame_height);
	if (o->font_size < 6 || o->font_size + 2 > o->frame_height)
		return prof_err_set(pe, EINVAL, "font size %u does not fit frames of %u px",
				    o->font_size, o->frame_height);
	if (!(o->min_width >= 0 && o->min_width <= o->width))
		return prof_err_set(pe, EINVAL, "minimum frame width %g px is not in 0..%u",
				    o->min_width, o->width);
	return 0;
}

static int frame_cmp(const void *a, const void *b, void *ctx)
{
	struct gp_pframe fa = profile_frame(ctx, *(const uint32_t *)a);
	struct gp_pframe fb = profile_frame(ctx, *(const uint32_t *)b);
	int c = strcmp(fa.name, fb.name);

	return c ? c : (int)fa.kind - (int)fb.kind;
}

/* Ranks make siblings come out in name order while comparing integers only. */
static int ranks_build(struct fg_layout *l)
{
	size_t nf = profile_nframes(l->p), i;
	uint32_t *ids = malloc((nf ? nf : 1) * sizeof(*ids));

	l->rank = malloc((nf ? nf : 1) * sizeof(*l->rank));
	if (!ids || !l->rank) {
		free(ids);
		return -ENOMEM;
	}
	for (i = 0; i < nf; i++)
		ids[i] = i;
	qsort_r(ids, nf, sizeof(*ids), frame_cmp, (void *)l->p);
	for (i = 0; i < nf; i++)
		l->rank[ids[i]] = i + 1;
	l->end_key = nf + 1;
	free(ids);
	return 0;
}

static int entries_build(struct fg_layout *l)
{
	size_t ns = profile_nstacks(l->p), i;
	struct gp_stack s;

	l->e = malloc((ns ? ns : 1) * sizeof(*l->e));
	l->tmp = malloc((ns ? ns : 1) * sizeof(*l->tmp));
	if (!l->e || !l->tmp)
		return -ENOMEM;
	for (i = 0; i < ns; i++) {
		profile_stack(l->p, i, &s);
		if (!s.weight)
			continue;
		l->e[l->n++] = (struct fg_entry){
			.frames = s.frames,
			.weight = s.weight,
			.depth = s.depth,
			.kind = s.kind,
		};
	}
	return 0;
}

static void entries_isort(struct fg_entry *e, size_t n)
{
	struct fg_entry v;
	size_t i, j;

	for (i = 1; i < n; i++) {
		v = e[i];
		for (j = i; j && e[j - 1].key > v.key; j--)
			e[j] = e[j - 1];
		e[j] = v;
	}
}

/* LSD radix sort on the key bytes that can be non-zero, skipping bytes equal in all entries. */
static void entries_rsort(struct fg_entry *e, struct fg_entry *tmp, size_t n, uint32_t max_key)
{
	size_t hist[4][256], nd = 1, i, b, sum, c;
	struct fg_entry *src = e, *dst = tmp, *t;

	while (nd < 4 && (max_key >> (8 * nd)))
		nd++;
	memset(hist, 0, nd * sizeof(hist[0]));
	for (i = 0; i < n; i++)
		for (b = 0; b < nd; b++)
			hist[b][(e[i].key >> (8 * b)) & 0xff]++;
	for (b = 0; b < nd; b++) {
		if (hist[b][(e[0].key >> (8 * b)) & 0xff] == n)
			continue;
		for (i = 0, sum = 0; i < 256; i++) {
			c = hist[b][i];
			hist[b][i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[hist[b][(src[i].key >> (8 * b)) & 0xff]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != e)
		memcpy(e, src, n * sizeof(*e));
}

/* Key the entries [lo, hi) by their frame at depth d and sort them: runs are the children. */
static void level_sort(struct fg_layout *l, size_t lo, size_t hi, uint32_t d)
{
	struct fg_entry *e = l->e + lo;
	size_t n = hi - lo, i;

	for (i = 0; i < n; i++)
		e[i].key = d < e[i].depth ? l->rank[e[i].frames[d]] : l->end_key;
	if (n <= ISORT_MAX)
		entries_isort(e, n);
	else
		entries_rsort(e, l->tmp, n, l->end_key);
}

static int level_push(struct fg_layout *l, size_t lo, size_t hi, uint64_t x, uint32_t d)
{
	if (l->nlv == l->lv_cap) {
		size_t cap = l->lv_cap ? l->lv_cap * 2 : 64;
		struct fg_level *n = reallocarray(l->lv, cap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		l->lv = n;
		l->lv_cap = cap;
	}
	l->lv[l->nlv++] = (struct fg_level){.lo = lo, .hi = hi, .cur = lo, .x = x, .d = d};
	level_sort(l, lo, hi, d);
	return 0;
}

static int node_add(struct fg_layout *l, const struct fg_node *n)
{
	if (l->nnodes == l->nodes_cap) {
		size_t cap = l->nodes_cap ? l->nodes_cap * 2 : 1024;
		struct fg_node *nn = reallocarray(l->nodes, cap, sizeof(*nn));

		if (!nn)
			return -ENOMEM;
		l->nodes = nn;
		l->nodes_cap = cap;
	}
	l->nodes[l->nnodes++] = *n;
	if (n->depth > l->max_depth)
		l->max_depth = n->depth;
	return 0;
}

/* The next run of equal keys of the top level becomes a node and, if wide enough, a level. */
static int run_take(struct fg_layout *l)
{
	struct fg_level *lv = &l->lv[l->nlv - 1];
	size_t start = lv->cur, j;
	struct fg_node node = {.x = lv->x, .depth = lv->d + 1};
	uint32_t key = l->e[start].key;
	size_t beyond = 0; /* entries that go on below this node */

	for (j = start; j < lv->hi && l->e[j].key == key; j++) {
		node.w += l->e[j].weight;
		node.kw[l->e[j].kind] += l->e[j].weight;
		beyond += l->e[j].depth > node.depth;
	}
	lv->cur = j;
	lv->x += node.w;
	if (key == l->end_key)
		return 0;
	if ((double)node.w < l->min_w) {
		l->omitted++;
		return 0;
	}
	node.frame = l->e[start].frames[lv->d];
	if (node_add(l, &node))
		return -ENOMEM;
	if (beyond && node.depth >= FG_MAX_DEPTH) {
		l->cut += beyond;
		return 0;
	}
	return beyond ? level_push(l, start, j, node.x, node.depth) : 0;
}

static int layout_build(struct fg_layout *l, const struct gp_flamegraph_opts *o)
{
	uint64_t total = profile_total(l->p);
	struct fg_node root = {.frame = ROOT_FRAME, .w = total};
	int k;

	if (ranks_build(l) || entries_build(l))
		return -ENOMEM;
	l->min_w = o->min_width * (double)total / (o->width - 2 * XPAD);
	if (!l->n)
		return 0;
	for (k = 0; k < GP_SK_COUNT; k++)
		root.kw[k] = profile_kind_total(l->p, k);
	if (node_add(l, &root) || level_push(l, 0, l->n, 0, 0))
		return -ENOMEM;
	while (l->nlv) {
		if (l->lv[l->nlv - 1].cur >= l->lv[l->nlv - 1].hi)
			l->nlv--;
		else if (run_take(l))
			return -ENOMEM;
	}
	return 0;
}

static void layout_free(struct fg_layout *l)
{
	free(l->e);
	free(l->tmp);
	free(l->rank);
	free(l->nodes);
	free(l->lv);
}

static size_t utf8_count(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = 0;
	uint32_t cp;

	while (*u) {
		u += esc_utf8_next(u, &cp);
		n++;
	}
	return n;
}

/*
 * Write at most max code points of s as XML character data valid in text and attributes alike:
 * markup characters as entities, invalid UTF-8 as U+FFFD, control characters (which XML 1.0
 * forbids even as references) as spaces.
 */
static void xml_put(struct gz_writer *w, const char *s, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp;
	size_t len;

	for (; *u && max; max--, u += len) {
		len = esc_utf8_next(u, &cp);
		if (cp == '&')
			gzwriter_puts(w, "&amp;");
		else if (cp == '<')
			gzwriter_puts(w, "&lt;");
		else if (cp == '>')
			gzwriter_puts(w, "&gt;");
		else if (cp == '"')
			gzwriter_puts(w, "&quot;");
		else if (cp == '\'')
			gzwriter_puts(w, "&apos;");
		else if (cp < 0x20)
			gzwriter_putc(w, ' ');
		else if (cp == 0xfffd)
			gzwriter_puts(w, "\xef\xbf\xbd");
		else
			gzwriter_write(w, u, len);
	}
}

struct fg_svg {
	struct gz_writer *w;
	const struct gp_flamegraph_opts *o;
	const struct fg_layout *l;
	const struct gp_profile *p;
	uint64_t total;
	double fullw;
	double charw;
	unsigned title_y, subtitle_y, legend_y, bottom, height;
	unsigned classes; /* bit mask of the enum fg_class values drawn */
};

static void thousands_fmt(char *buf, size_t size, uint64_t v)
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v), i, o = 0;

	for (i = 0; i < n && (size_t)o + 2 < size; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

static void value_fmt(const struct fg_svg *s, char *buf, size_t size, uint64_t v)
{
	static const struct {
		double div;
		const char *unit;
	} scales[] = {{1e9, "s"}, {1e6, "ms"}, {1e3, "\xc2\xb5s"}};
	char exact[32];
	size_t i;

	thousands_fmt(exact, sizeof(exact), v);
	if (!profile_unit_is_ns(s->p)) {
		snprintf(buf, size, "%s %s", exact, v == 1 ? "sample" : "samples");
		return;
	}
	for (i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
		if (v >= scales[i].div) {
			snprintf(buf, size, "%.2f %s (%s ns)", v / scales[i].div, scales[i].unit,
				 exact);
			return;
		}
	}
	snprintf(buf, size, "%s ns", exact);
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static const enum fg_class by_sample[GP_SK_COUNT] = {
	[GP_SK_CPU] = FC_CPU,	  [GP_SK_LOCK_WAIT] = FC_LOCK_WAIT, [GP_SK_RUNQ_WAIT] = FC_RUNQ,
	[GP_SK_SLEEP] = FC_SLEEP, [GP_SK_WAKER] = FC_WOKEN,
};

static enum fg_class node_class(const struct fg_svg *s, const struct fg_node *n)
{
	int k, top = 0;

	if (n->frame == ROOT_FRAME)
		return FC_ROOT;
	switch (profile_frame(s->p, n->frame).kind) {
	case GP_FK_COMM:
		return FC_COMM;
	case GP_FK_KERNEL:
		return FC_KERNEL;
	case GP_FK_LOCK:
		return FC_LOCK;
	case GP_FK_WAKER:
		return FC_WAKER;
	default:
		break;
	}
	for (k = 1; k < GP_SK_COUNT; k++)
		if (n->kw[k] > n->kw[top])
			top = k;
	return by_sample[top];
}

static void colour_put(struct gz_writer *w, enum fg_class c, const char *name)
{
	/* name varies the colour a little, so that neighbours of one class stand apart */
	const struct fg_palette *pl = &palettes[c];
	uint64_t h = name ? profile_hash_bytes(name, strlen(name), 0) : 0x808080;
	unsigned v1 = h & 0xff, v2 = (h >> 8) & 0xff, v3 = (h >> 16) & 0xff;

	gzwriter_printf(w, "rgb(%u,%u,%u)", pl->r + pl->rr * v1 / 256, pl->g + pl->gr * v2 / 256,
			pl->b + pl->br * v3 / 256);
}

/* Tooltip lines: name, value and share, then the split by sample kind if there is one. */
static void title_put(const struct fg_svg *s, const struct fg_node *n, const char *name)
{
	const char *sep = "\n";
	char val[96];
	int k, kinds = 0;

	for (k = 0; k < GP_SK_COUNT; k++)
		kinds += n->kw[k] != 0;
	value_fmt(s, val, sizeof(val), n->w);
	gzwriter_puts(s->w, "<title>");
	xml_put(s->w, name, SIZE_MAX);
	gzwriter_printf(s->w, "\n%s, %.2f%%", val, pct(n->w, s->total));
	for (k = 0; k < GP_SK_COUNT && kinds > 1; k++) {
		if (!n->kw[k])
			continue;
		gzwriter_printf(s->w, "%s%s %.1f%%", sep, kind_labels[k], pct(n->kw[k], n->w));
		sep = ", ";
	}
	gzwriter_puts(s->w, "</title>");
}

static void label_put(const struct fg_svg *s, const char *name, double wpx)
{
	double room = (wpx - 6) / s->charw;
	size_t avail = room > 0 ? (size_t)room : 0, len;

	if (avail < 3)
		return;
	len = utf8_count(name);
	if (len <= avail) {
		xml_put(s->w, name, SIZE_MAX);
		return;
	}
	xml_put(s->w, name, avail - 2);
	gzwriter_puts(s->w, "..");
}

/* A code frame coloured by its sample kind, where stacks of several kinds meet in it. */
static bool node_split(const struct fg_node *n, enum fg_class c)
{
	int k, kinds = 0;

	if (c != FC_CPU && c != FC_LOCK_WAIT && c != FC_RUNQ && c != FC_SLEEP && c != FC_WOKEN)
		return false;
	for (k = 0; k < GP_SK_COUNT; k++)
		kinds += n->kw[k] != 0;
	return kinds > 1;
}

/*
 * Such a frame is filled with a band per kind, the largest first (an off view's leaf: its
 * blocked time, then the run-queue wait after it), as hard stops of a gradient over the frame's
 * own box: a zoom that rescales the frame rescales the bands with it.
 */
static void split_put(struct fg_svg *s, const struct fg_node *n, size_t id, const char *name)
{
	bool done[GP_SK_COUNT] = {false};
	uint64_t at = 0;
	int i, k, top;

	gzwriter_printf(s->w, "<linearGradient id=\"k%zu\">", id);
	for (i = 0; i < GP_SK_COUNT; i++) {
		for (top = -1, k = 0; k < GP_SK_COUNT; k++)
			if (!done[k] && n->kw[k] && (top < 0 || n->kw[k] > n->kw[top]))
				top = k;
		if (top < 0)
			break;
		done[top] = true;
		s->classes |= 1u << by_sample[top];
		gzwriter_printf(s->w, "<stop offset=\"%.4f\" stop-color=\"", (double)at / n->w);
		colour_put(s->w, by_sample[top], name);
		at += n->kw[top];
		gzwriter_printf(s->w, "\"/><stop offset=\"%.4f\" stop-color=\"", (double)at / n->w);
		colour_put(s->w, by_sample[top], name);
		gzwriter_puts(s->w, "\"/>");
	}
	gzwriter_puts(s->w, "</linearGradient>");
}

static void frame_put(struct fg_svg *s, const struct fg_node *n, size_t id)
{
	const char *name = n->frame == ROOT_FRAME ? "all" : profile_frame(s->p, n->frame).name;
	enum fg_class c = node_class(s, n);
	double x = XPAD + s->fullw * ((double)n->x / s->total);
	double wpx = s->fullw * ((double)n->w / s->total);
	unsigned y = s->bottom - (n->depth + 1) * s->o->frame_height;
	bool split = node_split(n, c);

	s->classes |= 1u << c;
	gzwriter_puts(s->w, "<g>");
	title_put(s, n, name);
	if (split)
		split_put(s, n, id, name);
	gzwriter_printf(s->w, "<rect x=\"%.2f\" y=\"%u\" width=\"%.2f\" height=\"%u\" fill=\"", x,
			y, wpx, s->o->frame_height - 1);
	if (split)
		gzwriter_printf(s->w, "url(#k%zu)", id);
	else
		colour_put(s->w, c, c == FC_ROOT ? NULL : name);
	gzwriter_printf(s->w, "\" rx=\"2\" ry=\"2\"/><text x=\"%.2f\" y=\"%.1f\">", x + 3,
			y + s->o->frame_height / 2.0 + s->o->font_size * 0.35);
	label_put(s, name, wpx);
	gzwriter_puts(s->w, "</text></g>\n");
}

static void header_put(struct fg_svg *s)
{
	const struct gp_flamegraph_opts *o = s->o;

	gzwriter_printf(
		s->w,
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" "
		"xmlns=\"http://www.w3.org/2000/svg\">\n"
		"<!-- Flame graph rendered by gilprof. Click a frame to zoom, Ctrl-F to "
		"search. -->\n"
		"<defs><linearGradient id=\"background\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">"
		"<stop stop-color=\"#eeeeee\" offset=\"5%%\"/>"
		"<stop stop-color=\"#eeeeb0\" offset=\"95%%\"/></linearGradient></defs>\n"
		"<style type=\"text/css\"><![CDATA[\ntext { font-size: %upx; }\n"
		"#title { font-size: %upx; }\n%s]]></style>\n"
		"<script type=\"text/ecmascript\"><![CDATA[\n"
		"var fg_cfg = { xpad: %d, fullw: %.2f, fh: %u, bottom: %u, charw: %.4f };\n"
		"%s]]></script>\n"
		"<rect x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" fill=\"url(#background)\"/>\n",
		o->width, s->height, o->width, s->height, o->font_size, o->font_size + 5, fg_style,
		XPAD, s->fullw, o->frame_height, s->bottom, s->charw, fg_script, o->width,
		s->height);
}

static void subtitle_put(struct fg_svg *s)
{
	char total[96], omitted[32];

	value_fmt(s, total, sizeof(total), s->total);
	gzwriter_printf(s->w, "<text id=\"subtitle\" x=\"%.1f\" y=\"%u\">", s->o->width / 2.0,
			s->subtitle_y);
	if (s->o->subtitle && *s->o->subtitle) {
		xml_put(s->w, s->o->subtitle, SIZE_MAX);
		gzwriter_puts(s->w, " \xe2\x80\x94 ");
	}
	gzwriter_printf(s->w, "total %s", total);
	/* No share of the total here: in a profile of distinct stacks nearly every stack ends
	 * in some sub-pixel frame, so it would read as "most of the graph is missing". */
	if (s->l->omitted) {
		thousands_fmt(omitted, sizeof(omitted), s->l->omitted);
		gzwriter_printf(s->w, "; %s frame%s narrower than %g px not drawn (with callees)",
				omitted, s->l->omitted == 1 ? "" : "s", s->o->min_width);
	}
	if (s->l->cut) {
		thousands_fmt(omitted, sizeof(omitted), s->l->cut);
		gzwriter_printf(s->w, "; %s stack%s deeper than %u frames cut there", omitted,
				s->l->cut == 1 ? "" : "s", FG_MAX_DEPTH);
	}
	gzwriter_puts(s->w, "</text>\n");
}

static void titles_put(struct fg_svg *s)
{
	gzwriter_printf(s->w, "<text id=\"title\" x=\"%.1f\" y=\"%u\">", s->o->width / 2.0,
			s->title_y);
	xml_put(s->w, s->o->title ? s->o->title : "Flame Graph", SIZE_MAX);
	gzwriter_puts(s->w, "</text>\n");
	subtitle_put(s);
	gzwriter_printf(
		s->w,
		"<text id=\"unzoom\" class=\"btn hide\" x=\"%d\" y=\"%u\">Reset Zoom</text>\n"
		"<text id=\"search\" class=\"btn\" x=\"%u\" y=\"%u\">Search</text>\n",
		XPAD, s->title_y, s->o->width - XPAD, s->title_y);
}

/* The legend lists the colour classes drawn, so it can only be written after the frames, and
 * every sample kind the profile holds, even one that no frame is mostly made of. */
static void legend_put(struct fg_svg *s)
{
	unsigned box = s->o->font_size;
	double x = XPAD;
	int c, k;

	for (k = 0; k < GP_SK_COUNT; k++)
		if (profile_kind_total(s->p, k))
			s->classes |= 1u << by_sample[k];
	gzwriter_puts(s->w, "<g id=\"legend\">\n");
	for (c = FC_ROOT + 1; c < FC_COUNT; c++) {
		if (!(s->classes & (1u << c)))
			continue;
		gzwriter_printf(s->w,
				"<rect x=\"%.1f\" y=\"%u\" width=\"%u\" height=\"%u\" fill=\"", x,
				s->legend_y - box + 2, box, box);
		colour_put(s->w, c, NULL);
		gzwriter_printf(s->w, "\"/><text x=\"%.1f\" y=\"%u\">%s</text>\n", x + box + 4,
				s->legend_y, palettes[c].label);
		x += box + 4 + strlen(palettes[c].label) * s->charw + 20;
	}
	gzwriter_puts(s->w, "</g>\n");
}

static void svg_put(struct fg_svg *s)
{
	size_t i;

	header_put(s);
	titles_put(s);
	gzwriter_puts(s->w, "<g id=\"frames\">\n");
	for (i = 0; i < s->l->nnodes; i++)
		frame_put(s, &s->l->nodes[i], i);
	gzwriter_puts(s->w, "</g>\n");
	legend_put(s);
	if (!s->l->nnodes)
		gzwriter_printf(s->w,
				"<text x=\"%.1f\" y=\"%u\" text-anchor=\"middle\">"
				"no samples</text>\n",
				s->o->width / 2.0, s->bottom - 4);
	gzwriter_printf(s->w,
			"<text id=\"details\" x=\"%d\" y=\"%u\"> </text>\n"
			"<text id=\"matched\" x=\"%u\" y=\"%u\"> </text>\n</svg>\n",
			XPAD, s->height - 8, s->o->width - XPAD, s->height - 8);
}

static void svg_geometry(struct fg_svg *s)
{
	unsigned fs = s->o->font_size, levels = s->l->nnodes ? s->l->max_depth + 1 : 1;

	s->fullw = s->o->width - 2 * XPAD;
	s->charw = fs * GLYPH_WIDTH;
	s->title_y = 2 * fs + 2;
	s->subtitle_y = s->title_y + fs + 8;
	s->legend_y = s->subtitle_y + fs + 10;
	s->bottom = s->legend_y + 10 + levels * s->o->frame_height;
	s->height = s->bottom + 2 * fs + 8;
}

int flamegraph_emit(const struct gp_profile *p, const struct gp_flamegraph_opts *opts,
		    struct gz_writer *w, struct prof_err *pe)
{
	struct gp_flamegraph_opts defaults;
	struct fg_layout l = {.p = p};
	struct fg_svg s = {.w = w, .p = p, .l = &l, .total = profile_total(p)};
	int err;

	if (!opts) {
		flamegraph_opts_init(&defaults);
		opts = &defaults;
	}
	s.o = opts;
	err = opts_check(opts, pe);
	if (err)
		goto out;
	err = layout_build(&l, opts);
	if (err) {
		err = prof_err_set(pe, ENOMEM, "out of memory laying out %zu stacks",
				   profile_nstacks(p));
		goto out;
	}
	svg_geometry(&s);
	svg_put(&s);
out:
	layout_free(&l);
	return err;
}

int flamegraph_write(const struct gp_profile *p, const struct gp_flamegraph_opts *opts, FILE *fp,
		     struct prof_err *pe)
{
	struct gz_writer w;
	int err;

	gzwriter_open_fp(&w, fp, "flame graph output");
	err = flamegraph_emit(p, opts, &w, pe);
	return gzwriter_close(&w, err, pe);
}
