// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/model.h"
#include "model/stacks.h"
#include "symbolize/nametab.h"
#include "util/vec.h"

/* Longer than any buffer a report names into, so that its truncation is the report's own. */
#define NAME_MAX_LEN 512
#define OBJ_MAX_LEN 512 /* a source file's path */

struct gp_nametab *nametab_new(void)
{
	struct gp_nametab *t = calloc(1, sizeof(*t));

	if (t)
		hashmap_init(&t->idx);
	return t;
}

void nametab_free(struct gp_nametab *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->v[i].name);
		free(t->v[i].obj);
	}
	free(t->v);
	hashmap_free(&t->idx);
	free(t);
}

static uint64_t key_a(uint32_t kind, uint32_t tgid)
{
	return (uint64_t)kind << 32 | tgid;
}

const struct gp_name *nametab_get(const struct gp_nametab *t, uint32_t kind, uint32_t tgid,
				  uint64_t addr)
{
	uintptr_t i = (uintptr_t)hashmap_get(&t->idx, key_a(kind, tgid), addr);

	return i ? &t->v[i - 1] : NULL;
}

int nametab_put(struct gp_nametab *t, uint32_t kind, uint32_t tgid, uint64_t addr, int rc,
		const char *name, const char *obj)
{
	static const uint64_t none[2] = {0, 0};

	return nametab_put_num(t, kind, tgid, addr, rc, name, obj, none);
}

int nametab_put_num(struct gp_nametab *t, uint32_t kind, uint32_t tgid, uint64_t addr, int rc,
		    const char *name, const char *obj, const uint64_t num[2])
{
	struct gp_name *e = (struct gp_name *)nametab_get(t, kind, tgid, addr);
	char *n, *o;

	if (kind >= GP_NK_COUNT || !name || strlen(name) >= NAME_MAX_LEN ||
	    (obj && strlen(obj) >= OBJ_MAX_LEN))
		return -EINVAL;
	n = strdup(name);
	o = strdup(obj ? obj : "");
	if (!n || !o)
		goto nomem;
	if (!e) {
		if (vec_reserve((void **)&t->v, &t->cap, t->n, sizeof(*t->v), 256) ||
		    hashmap_put(&t->idx, key_a(kind, tgid), addr, (void *)(uintptr_t)(t->n + 1)))
			goto nomem;
		e = &t->v[t->n++];
		*e = (struct gp_name){.kind = kind, .tgid = tgid, .addr = addr};
	}
	free(e->name);
	free(e->obj);
	e->name = n;
	e->obj = o;
	e->rc = rc;
	e->num[0] = num[0];
	e->num[1] = num[1];
	e->seq = ++t->seq;
	return 0;
nomem:
	free(n);
	free(o);
	return -ENOMEM;
}

static int add_code(struct gp_nametab *t, uint32_t tgid, uint64_t pc, const struct gp_namer *live,
		    bool lines)
{
	char name[NAME_MAX_LEN], obj[OBJ_MAX_LEN];
	int rc, err = 0;

	if (!nametab_get(t, GP_NK_CODE, tgid, pc)) {
		name[0] = obj[0] = 0;
		rc = live->code(live->ctx, tgid, pc, name, sizeof(name), obj, sizeof(obj));
		err = nametab_put(t, GP_NK_CODE, tgid, pc, rc, name, obj);
	}
	if (!err && lines && live->line && !nametab_get(t, GP_NK_LINE, tgid, pc)) {
		name[0] = 0;
		rc = live->line(live->ctx, tgid, pc, name, sizeof(name));
		err = nametab_put(t, GP_NK_LINE, tgid, pc, rc, name, NULL);
	}
	return err;
}

static int add_kernel(struct gp_nametab *t, uint64_t addr, const struct gp_namer *live)
{
	char name[NAME_MAX_LEN] = "";
	int rc;

	if (nametab_get(t, GP_NK_KERNEL, 0, addr))
		return 0;
	rc = live->kernel(live->ctx, addr, name, sizeof(name));
	return nametab_put(t, GP_NK_KERNEL, 0, addr, rc, name, NULL);
}

static int add_mapping(struct gp_nametab *t, uint32_t tgid, uint64_t start,
		       const struct gp_namer *live)
{
	struct gp_map_fact f;
	uint64_t num[2];
	int rc;

	if (!start || nametab_get(t, GP_NK_MAPPING, tgid, start))
		return 0;
	memset(&f, 0, sizeof(f));
	rc = live->mapping(live->ctx, tgid, start, &f);
	num[0] = f.limit;
	num[1] = f.offset;
	return nametab_put_num(t, GP_NK_MAPPING, tgid, start, rc, f.path, f.build_id, num);
}

/* A frame's function, source and mapping; tgid 0 for a kernel address. */
static int add_func(struct gp_nametab *t, uint32_t tgid, uint64_t pc, const struct gp_namer *live,
		    bool lines)
{
	struct gp_func_fact f;
	uint64_t num[2] = {0, 0};
	int err;

	if (!live->func || nametab_get(t, GP_NK_FUNC, tgid, pc))
		return 0;
	memset(&f, 0, sizeof(f));
	live->func(live->ctx, tgid, pc, lines, &f);
	num[0] = f.map_start;
	err = nametab_put_num(t, GP_NK_FUNC, tgid, pc, f.line > 0 ? f.line : 0, f.name, f.file,
			      num);
	return err || !tgid || !live->mapping ? err : add_mapping(t, tgid, f.map_start, live);
}

static int add_stack(struct gp_nametab *t, const struct gp_stack_rec *st,
		     const struct gp_namer *live, bool lines)
{
	uint64_t pc;
	uint32_t i;
	int err = 0;

	/*
	 * a return address is named one byte back, inside its call (analyze/report.c); Python
	 * frames were named as they came (stream/pystage.c), their lines and functions with them
	 */
	for (i = 0; i < st->nuser && !err; i++) {
		bool py = stack_is_pyframe(st->user[i]);

		pc = stack_frame_pc(st, i);
		err = add_code(t, st->tgid, pc, live, lines && !py);
		if (!err && !py)
			err = add_func(t, st->tgid, pc, live, lines);
	}
	for (i = 0; i < st->nkernel && !err; i++) {
		err = add_kernel(t, st->kernel[i], live);
		if (!err && i)
			err = add_kernel(t, st->kernel[i] - 1, live);
		if (!err)
			err = add_func(t, 0, i ? st->kernel[i] - 1 : st->kernel[i], live, false);
	}
	return err;
}

int nametab_add_stacks(struct gp_nametab *t, const struct gp_stacks *s, size_t from, size_t to,
		       const struct gp_namer *live, bool lines)
{
	size_t id;
	int err = 0;

	for (id = from; id < to && !err; id++) {
		const struct gp_stack_rec *st = stacks_get(s, id);

		if (st)
			err = add_stack(t, st, live, lines);
	}
	return err;
}

int nametab_add_locks(struct gp_nametab *t, const struct gp_model *m, const struct gp_namer *live)
{
	char name[NAME_MAX_LEN];
	size_t i;
	int rc, err = 0;

	for (i = 0; i < m->nlocks && !err; i++) {
		const struct gp_lock *l = m->locks[i];

		name[0] = 0;
		rc = live->lock(live->ctx, l->tgid, l->uaddr, name, sizeof(name));
		err = nametab_put(t, GP_NK_LOCK, l->tgid, l->uaddr, rc, name, NULL);
	}
	return err;
}

static int lookup(void *ctx, uint32_t kind, uint32_t tgid, uint64_t addr, char *buf, size_t len,
		  const char *missing_fmt)
{
	const struct gp_name *e = nametab_get(ctx, kind, tgid, addr);

	if (!e) {
		if (missing_fmt)
			snprintf(buf, len, missing_fmt, addr);
		return missing_fmt ? 1 : -ENOENT;
	}
	snprintf(buf, len, "%s", e->name);
	return e->rc;
}

int nametab_lock(void *ctx, uint32_t tgid, uint64_t uaddr, char *buf, size_t len)
{
	return lookup(ctx, GP_NK_LOCK, tgid, uaddr, buf, len, "0x%" PRIx64);
}

int nametab_code(void *ctx, uint32_t tgid, uint64_t addr, char *buf, size_t len, char *obj,
		 size_t objlen)
{
	const struct gp_name *e = nametab_get(ctx, GP_NK_CODE, tgid, addr);

	if (obj)
		snprintf(obj, objlen, "%s", e ? e->obj : "[unknown]");
	return lookup(ctx, GP_NK_CODE, tgid, addr, buf, len, "0x%" PRIx64);
}

int nametab_line(void *ctx, uint32_t tgid, uint64_t pc, char *buf, size_t len)
{
	return lookup(ctx, GP_NK_LINE, tgid, pc, buf, len, NULL);
}

int nametab_kernel(void *ctx, uint64_t addr, char *buf, size_t len)
{
	return lookup(ctx, GP_NK_KERNEL, 0, addr, buf, len, "[kernel] 0x%" PRIx64);
}

int nametab_func(void *ctx, uint32_t tgid, uint64_t pc, struct gp_func_fact *out)
{
	const struct gp_name *e = nametab_get(ctx, GP_NK_FUNC, tgid, pc);

	memset(out, 0, sizeof(*out));
	if (!e)
		return -ENOENT;
	snprintf(out->name, sizeof(out->name), "%s", e->name);
	snprintf(out->file, sizeof(out->file), "%s", e->obj);
	out->line = e->rc > 0 ? e->rc : 0;
	out->map_start = e->num[0];
	return 0;
}

int nametab_mapping(void *ctx, uint32_t tgid, uint64_t start, struct gp_map_fact *out)
{
	const struct gp_name *e = nametab_get(ctx, GP_NK_MAPPING, tgid, start);

	memset(out, 0, sizeof(*out));
	if (!e)
		return -ENOENT;
	snprintf(out->path, sizeof(out->path), "%s", e->name);
	snprintf(out->build_id, sizeof(out->build_id), "%s", e->obj);
	out->limit = e->num[0];
	out->offset = e->num[1];
	return 0;
}

const char *nametab_thread(const struct gp_nametab *t, uint32_t tgid, uint32_t tid)
{
	const struct gp_name *e = nametab_get(t, GP_NK_THREAD, tgid, tid);

	return e ? e->name : NULL;
}
