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
#define OBJ_MAX_LEN 128

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

int nametab_add_stacks(struct gp_nametab *t, const struct gp_stacks *s, size_t from, size_t to,
		       const struct gp_namer *live, bool lines)
{
	size_t id;
	uint32_t i;
	int err = 0;

	for (id = from; id < to && !err; id++) {
		const struct gp_stack_rec *st = stacks_get(s, id);

		/* a return address is named one byte back, inside its call (analyze/report.c);
		 * Python frames were named as they came (stream/pystage.c), their lines with them */
		for (i = 0; st && i < st->nuser && !err; i++)
			err = add_code(t, st->tgid, stack_frame_pc(st, i), live,
				       lines && !stack_is_pyframe(st->user[i]));
		for (i = 0; st && i < st->nkernel && !err; i++) {
			err = add_kernel(t, st->kernel[i], live);
			if (!err && i)
				err = add_kernel(t, st->kernel[i] - 1, live);
		}
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

const char *nametab_thread(const struct gp_nametab *t, uint32_t tgid, uint32_t tid)
{
	const struct gp_name *e = nametab_get(t, GP_NK_THREAD, tgid, tid);

	return e ? e->name : NULL;
}
