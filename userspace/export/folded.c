// SPDX-License-Identifier: GPL-2.0
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "export/folded.h"
#include "util/gzfile.h"
#include "util/memo.h"

#define MEMO_BITS 14 /* 16384 frame texts, 512 KB */

struct esc_names {
	char *buf;
	size_t *off; /* name of frame i is buf[off[i]..off[i+1]) */
};

/*
 * Parsed lines wait in a batch for profile_add_ids_batch(), which overlaps their lookups; their
 * frames are interned at once, so frame ids are given in the order of the file all the same.
 */
struct folded_parser {
	struct gp_profile *p;
	enum gp_sample_kind kind;
	bool count_is_weight;
	const char *name;
	unsigned long lineno;
	uint32_t *ids; /* the batch's frame ids, then the line's being parsed */
	size_t nids, ids_cap;
	struct gp_ids_stack batch[GP_IDS_BATCH_MAX];
	unsigned long batch_line[GP_IDS_BATCH_MAX]; /* for messages */
	size_t nbatch;
	struct gp_memo memo; /* frame_key() -> id | kind << 32 */
};

static bool is_annotation(const char *s, size_t len)
{
	return len >= 4 && s[len - 4] == '_' && s[len - 3] == '[' && s[len - 1] == ']' &&
	       (s[len - 2] == 'k' || s[len - 2] == 'w' || s[len - 2] == 'j' || s[len - 2] == 'i');
}

/* Escape into out (room for 2 * strlen(name) + 16 bytes); returns the length written. */
static size_t name_escape(const char *name, enum gp_frame_kind kind, char *out)
{
	size_t n = 0;

	for (; *name; name++) {
		if (*name == '\n' || *name == '\r')
			continue;
		out[n++] = *name == ';' ? ':' : *name;
	}
	if (!n) {
		memcpy(out, "[unknown]", 9);
		n = 9;
	}
	if (is_annotation(out, n)) {
		out[n - 3] = '(';
		out[n - 1] = ')';
	}
	if (kind == GP_FK_KERNEL || kind == GP_FK_WAKER) {
		memcpy(out + n, kind == GP_FK_KERNEL ? "_[k]" : "_[w]", 4);
		n += 4;
	}
	return n;
}

/* Escaping once per distinct frame keeps the per-line work to copying bytes. */
static int names_escape(const struct gp_profile *p, struct esc_names *e, struct prof_err *pe)
{
	size_t nf = profile_nframes(p), size = 0, i;

	e->off = malloc((nf + 1) * sizeof(*e->off));
	if (!e->off)
		goto nomem;
	for (i = 0; i < nf; i++)
		size += strlen(profile_frame(p, i).name) + 16;
	e->buf = malloc(size ? size : 1);
	if (!e->buf)
		goto nomem;
	e->off[0] = 0;
	for (i = 0; i < nf; i++) {
		struct gp_pframe f = profile_frame(p, i);

		e->off[i + 1] = e->off[i] + name_escape(f.name, f.kind, e->buf + e->off[i]);
	}
	return 0;
nomem:
	free(e->off);
	e->off = NULL;
	return prof_err_set(pe, ENOMEM, "out of memory escaping %zu frame names", nf);
}

static void u64_write(struct gz_writer *w, uint64_t v)
{
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	gzwriter_write(w, tmp + i, sizeof(tmp) - i);
}

/*
 * The weight of each group of stacks with the same frames: the format has no sample kind nor
 * thread, so the blocked time of a stack and the run-queue wait after it, or seven threads of one
 * name in one place, are one line. *group is malloc'd, group[i] the group of stack i.
 */
static int groups_weigh(const struct gp_profile *p, uint32_t **group, uint64_t **weight,
			struct prof_err *pe)
{
	size_t ns = profile_nstacks(p), ng = 0, i;
	struct gp_stack s;
	int err;

	*group = malloc((ns ? ns : 1) * sizeof(**group));
	*weight = calloc(ns ? ns : 1, sizeof(**weight));
	if (!*group || !*weight)
		return prof_err_set(pe, ENOMEM, "out of memory grouping %zu stacks", ns);
	err = profile_stack_groups(p, *group, &ng, pe);
	for (i = 0; !err && i < ns; i++) {
		profile_stack(p, i, &s);
		(*weight)[(*group)[i]] += s.weight;
	}
	return err;
}

static void line_write(struct gz_writer *w, const struct esc_names *e, const struct gp_stack *s,
		       uint64_t weight)
{
	size_t j;

	for (j = 0; j < s->depth; j++) {
		uint32_t f = s->frames[j];

		if (j)
			gzwriter_putc(w, ';');
		gzwriter_write(w, e->buf + e->off[f], e->off[f + 1] - e->off[f]);
	}
	gzwriter_putc(w, ' ');
	u64_write(w, weight);
	gzwriter_putc(w, '\n');
}

int folded_emit(const struct gp_profile *p, struct gz_writer *w, struct prof_err *pe)
{
	uint32_t *group = NULL, next = 0;
	uint64_t *weight = NULL;
	struct esc_names e = {0};
	struct gp_stack s;
	size_t i;
	int err;

	err = groups_weigh(p, &group, &weight, pe);
	if (!err)
		err = names_escape(p, &e, pe);
	/* a group is written at its first stack: groups are numbered in that order */
	for (i = 0; !err && i < profile_nstacks(p); i++) {
		if (group[i] != next)
			continue;
		next++;
		profile_stack(p, i, &s);
		line_write(w, &e, &s, weight[group[i]]);
	}
	free(group);
	free(weight);
	free(e.buf);
	free(e.off);
	return err;
}

int folded_write_fp(const struct gp_profile *p, FILE *fp, struct prof_err *pe)
{
	struct gz_writer w;
	int err;

	gzwriter_open_fp(&w, fp, "folded output");
	err = folded_emit(p, &w, pe);
	return gzwriter_close(&w, err, pe);
}

/* folded_read() prefixes the file name and line number. */
static int parser_error(struct prof_err *pe, const char *why, const char *text, size_t len)
{
	return prof_err_set(pe, EINVAL, "%s: '%.*s%s'", why, (int)(len > 80 ? 80 : len), text,
			    len > 80 ? "..." : "");
}

/* The weight is the field after the last blank, so names may hold spaces and end in digits. */
static int weight_parse(const char *line, size_t len, size_t *stack_len, uint64_t *weight,
			struct prof_err *pe)
{
	size_t sp = len, i;
	uint64_t w = 0;

	while (sp > 0 && line[sp - 1] != ' ' && line[sp - 1] != '\t')
		sp--;
	if (sp == 0 || sp == len)
		return parser_error(pe, "expected 'frames weight'", line, len);
	for (i = sp; i < len; i++) {
		unsigned d = (unsigned char)line[i] - '0';

		if (d > 9 || w > (UINT64_MAX - d) / 10)
			return parser_error(pe, "the weight is not an unsigned 64-bit integer",
					    line + sp, len - sp);
		w = w * 10 + d;
	}
	*stack_len = sp - 1;
	*weight = w;
	return 0;
}

/* Room for n ids after the batch's. */
static int ids_reserve(struct folded_parser *fp, size_t n, struct prof_err *pe)
{
	size_t cap = fp->ids_cap ? fp->ids_cap : 64, need = fp->nids + n;
	uint32_t *ids;

	if (need <= fp->ids_cap)
		return 0;
	while (cap < need)
		cap *= 2;
	ids = reallocarray(fp->ids, cap, sizeof(*ids));
	if (!ids)
		return prof_err_set(pe, ENOMEM, "out of memory for a %zu-frame stack", n);
	fp->ids = ids;
	fp->ids_cap = cap;
	return 0;
}

static enum gp_frame_kind frame_kind(const char *f, size_t *len, size_t index)
{
	if (!is_annotation(f, *len))
		return index == 0 ? GP_FK_COMM : GP_FK_USER;
	*len -= 4;
	switch (f[*len + 2]) {
	case 'k':
		return GP_FK_KERNEL;
	case 'w':
		return GP_FK_WAKER;
	default:
		return GP_FK_USER;
	}
}

/*
 * The frame of len bytes at s as a memo key: its bytes as two words, zero past the frame, its
 * length, and whether it is a stack's first frame (the comm, not the frame of the same name
 * further on). The 16 bytes read stop at limit, the line's end. False for a frame longer than
 * 16 bytes.
 */
static inline bool frame_key(const char *s, size_t len, const char *limit, bool first,
			     struct gp_memo_key *k)
{
	__uint128_t keep;
	uint64_t w[2];

	if (len > 16)
		return false;
	if ((size_t)(limit - s) >= sizeof(w)) {
		memcpy(w, s, sizeof(w));
	} else {
		memset(w, 0, sizeof(w));
		memcpy(w, s, limit - s);
	}
	keep = ~(__uint128_t)0 >> (128 - 8 * len); /* len >= 1: the frame is not empty */
	k->a = le64toh(w[0]) & (uint64_t)keep;
	k->b = le64toh(w[1]) & (uint64_t)(keep >> 64);
	k->tag = len | (uint32_t)first << 5;
	return true;
}

/*
 * Split on ';' and intern each frame into the ids after the batch's; *has_waker tells whether
 * this is a wake view stack. The stack is the first len bytes of a line of line_len.
 *
 * Interning hashes a frame's bytes, then reads its table slot, its record and its name, each
 * from the L2 cache at best: for the 20-odd frames of each of a million lines, most of the
 * reading. Frames repeat, a few thousand names in all, so a memo from a frame's text (annotation
 * included) to its id and kind answers most of them with a multiply and one cache line; longer
 * frames, and those the memo lost, go the long way.
 */
static int frames_parse(struct folded_parser *fp, const char *stack, size_t len, size_t line_len,
			size_t *n, bool *has_waker, struct prof_err *pe)
{
	size_t i, start = 0, stop, name_len;
	enum gp_frame_kind kind;
	struct gp_memo_key key;
	const char *semi;
	uint32_t *id;
	bool keyed;
	uint64_t v;
	int err;

	*has_waker = false;
	for (i = 0;; i++, start = stop + 1) {
		semi = memchr(stack + start, ';', len - start);
		stop = semi ? (size_t)(semi - stack) : len;
		if (stop == start)
			return parser_error(pe, "empty frame name in", stack, len);
		err = ids_reserve(fp, i + 1, pe);
		if (err)
			return err;
		id = &fp->ids[fp->nids + i];
		keyed = frame_key(stack + start, stop - start, stack + line_len, i == 0, &key);
		if (keyed && memo_get(&fp->memo, &key, &v)) {
			*id = (uint32_t)v;
			kind = v >> 32;
		} else {
			name_len = stop - start;
			kind = frame_kind(stack + start, &name_len, i);
			if (name_len == 0)
				return parser_error(pe, "empty frame name in", stack, len);
			err = profile_frame_intern(fp->p, stack + start, name_len, kind, id, pe);
			if (err)
				return err;
			if (keyed)
				memo_put(&fp->memo, &key, *id | (uint64_t)kind << 32);
		}
		*has_waker |= kind == GP_FK_WAKER;
		if (stop == len)
			break;
	}
	*n = i + 1;
	return 0;
}

/* In a lock-wait view the leaf is the lock; re-intern it with that kind. */
static int leaf_to_lock(struct folded_parser *fp, size_t n, struct prof_err *pe)
{
	uint32_t *leaf_id = &fp->ids[fp->nids + n - 1];
	struct gp_pframe leaf = profile_frame(fp->p, *leaf_id);

	if (n < 2 || leaf.kind != GP_FK_USER)
		return 0;
	return profile_frame_intern(fp->p, leaf.name, strlen(leaf.name), GP_FK_LOCK, leaf_id, pe);
}

/* Add the batch; on failure *pe names the line of the stack that failed. */
static int batch_flush(struct folded_parser *fp, struct prof_err *pe)
{
	struct prof_err inner;
	size_t added;
	int err;

	if (!fp->nbatch)
		return 0;
	err = profile_add_ids_batch(fp->p, fp->ids, fp->batch, fp->nbatch, &added, &inner);
	if (err)
		prof_err_set(pe, -err, "%s:%lu: %s", fp->name, fp->batch_line[added], inner.msg);
	fp->nbatch = 0;
	fp->nids = 0;
	return err;
}

/* The line's stack, parsed into the ids after the batch's, joins the batch. */
static void batch_push(struct folded_parser *fp, size_t n, enum gp_sample_kind kind,
		       uint64_t weight)
{
	fp->batch[fp->nbatch] = (struct gp_ids_stack){
		.off = fp->nids,
		.depth = n,
		.kind = kind,
		.weight = weight,
		.count = fp->count_is_weight ? weight : 1,
	};
	fp->batch_line[fp->nbatch++] = fp->lineno;
	fp->nids += n;
}

static int line_parse(struct folded_parser *fp, const char *line, size_t len, struct prof_err *pe)
{
	enum gp_sample_kind kind = fp->kind;
	size_t stack_len = 0, n = 0, i;
	uint64_t weight = 0;
	bool has_waker;
	int err;

	while (len && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i == len)
		return 0;
	err = weight_parse(line, len, &stack_len, &weight, pe);
	if (!err && stack_len == 0)
		err = parser_error(pe, "no frames before the weight", line, len);
	if (!err)
		err = frames_parse(fp, line, stack_len, len, &n, &has_waker, pe);
	if (err)
		return err;
	if (has_waker)
		kind = GP_SK_WAKER;
	else if (kind == GP_SK_LOCK_WAIT)
		err = leaf_to_lock(fp, n, pe);
	if (!err)
		batch_push(fp, n, kind, weight);
	return err;
}

int folded_read_fd(struct gp_profile *p, int fd, const char *name, enum gp_sample_kind kind,
		   struct prof_err *pe)
{
	struct folded_parser fp = {
		.p = p,
		.kind = kind,
		.count_is_weight = !profile_unit_is_ns(p),
		.name = name,
	};
	struct prof_err inner;
	struct gz_reader r;
	int err, flush_err;
	char *line;
	size_t len;

	if ((unsigned)kind >= GP_SK_COUNT) {
		close(fd);
		return prof_err_set(pe, EINVAL, "invalid sample kind %d", (int)kind);
	}
	err = gzreader_open_fd(&r, fd, name, pe);
	if (err)
		return err;
	if (memo_init(&fp.memo, MEMO_BITS)) {
		gzreader_close(&r);
		return prof_err_set(pe, ENOMEM, "out of memory reading %s", name);
	}
	while ((err = gzreader_line(&r, &line, &len, pe)) > 0) {
		fp.lineno++;
		err = line_parse(&fp, line, len, &inner);
		if (err) {
			prof_err_set(pe, -err, "%s:%lu: %s", fp.name, fp.lineno, inner.msg);
			break;
		}
		if (fp.nbatch == GP_IDS_BATCH_MAX && (err = batch_flush(&fp, pe)))
			break;
	}
	/* The lines before a failure go in all the same; an error of theirs came first. */
	flush_err = batch_flush(&fp, pe);
	if (flush_err)
		err = flush_err;
	gzreader_close(&r);
	free(fp.ids);
	memo_free(&fp.memo);
	return err;
}
