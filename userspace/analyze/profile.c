// SPDX-License-Identifier: GPL-2.0
/*
 * Weighted stacks with interned frames. Sized for millions of distinct stacks: names live in a
 * chunked arena (pointers stay valid as it grows), stacks are runs in one flat uint32_t array and
 * both lookup tables are open-addressed arrays of uint32_t ids, so a stack costs its frame ids
 * plus a 40-byte record and a few bytes of table.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/profile.h"
#include "util/hashmap.h"

#define NAME_CHUNK (1u << 20)
#define TABLE_MIN 1024u
#define ID_MAX 0xfffffffeu /* ids are stored as id + 1 in tables, 0 meaning empty */

struct name_chunk {
	struct name_chunk *next;
	size_t used, cap;
	char data[];
};

struct frame_rec {
	const char *name;
	uint32_t len;
	uint32_t kind;
	uint32_t loc1; /* index + 1 into locs, 0 for none */
};

struct stack_rec {
	uint64_t off; /* into ids */
	uint64_t weight;
	uint64_t count;
	uint32_t depth;
	uint32_t kind;
	uint32_t pid, tid;
	uint32_t thread1, lock1; /* label ids + 1, 0 for none */
};

/*
 * Open addressing with linear probing. A slot holds id + 1 (0 when empty) and the id's hash, so
 * that probing past other entries, and growing, never touches the records themselves: with a
 * million stacks each record access is a cache miss.
 */
struct id_slot {
	uint32_t id1;
	uint32_t hash;
};

struct id_table {
	struct id_slot *slots;
	size_t mask;
	size_t used;
};

struct gp_profile {
	char *unit;
	gp_hash_fn hash; /* the tests' replacement for table_hash(), or NULL */
	uint64_t seed; /* a secret of the process: names from files cannot be made to collide */
	struct name_chunk *names;
	struct frame_rec *frames;
	size_t nframes, frames_cap;
	struct id_table frame_tab;
	uint32_t *ids;
	size_t nids, ids_cap;
	struct stack_rec *stacks;
	size_t nstacks, stacks_cap;
	struct id_table stack_tab;
	struct gp_ploc *locs;
	size_t nlocs, locs_cap;
	struct gp_pmapping *maps;
	size_t nmaps, maps_cap;
	struct gp_hashmap map_idx; /* (start, hash of the rest) -> index + 1 */
	const char **labels; /* the tags' strings, interned */
	size_t nlabels, labels_cap;
	struct id_table label_tab;
	uint32_t *scratch; /* profile_add() converts names to ids here */
	size_t scratch_cap;
	uint64_t total;
	uint64_t kind_total[GP_SK_COUNT];
};

static const char *const sample_kind_names[GP_SK_COUNT] = {
	[GP_SK_CPU] = "cpu",	 [GP_SK_LOCK_WAIT] = "lock-wait", [GP_SK_RUNQ_WAIT] = "runqueue",
	[GP_SK_SLEEP] = "sleep", [GP_SK_WAKER] = "waker",
};

static const char *const frame_kind_names[GP_FK_COUNT] = {
	[GP_FK_USER] = "user",	 [GP_FK_KERNEL] = "kernel", [GP_FK_LOCK] = "lock",
	[GP_FK_WAKER] = "waker", [GP_FK_COMM] = "comm",
};

const char *sample_kind_name(enum gp_sample_kind kind)
{
	return (unsigned)kind < GP_SK_COUNT ? sample_kind_names[kind] : NULL;
}

const char *frame_kind_name(enum gp_frame_kind kind)
{
	return (unsigned)kind < GP_FK_COUNT ? frame_kind_names[kind] : NULL;
}

static inline uint64_t hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* The last 1-7 bytes, with fixed-size loads that compile to plain moves. */
static inline uint64_t tail_load(const unsigned char *s, size_t len)
{
	uint32_t a = 0;
	uint16_t b = 0;
	uint64_t v = 0;

	if (len & 4) {
		memcpy(&a, s, 4);
		v = a;
		s += 4;
	}
	if (len & 2) {
		memcpy(&b, s, 2);
		v = (v << 16) | b;
		s += 2;
	}
	if (len & 1)
		v = (v << 8) | *s;
	return v;
}

/* The flame graph's colours come from this hash: changing it changes every SVG. */
uint64_t profile_hash_bytes(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *s = data;
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ULL);
	uint64_t v;

	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&v, s, 8);
		h = (h ^ (v * 0xbf58476d1ce4e5b9ULL)) * 0x94d049bb133111ebULL;
		h ^= h >> 29;
	}
	if (len)
		h = (h ^ (tail_load(s, len) * 0xbf58476d1ce4e5b9ULL)) * 0x94d049bb133111ebULL;
	return hash_mix(h);
}

static inline uint64_t load64(const unsigned char *s)
{
	uint64_t v;

	memcpy(&v, s, 8);
	return v;
}

static inline uint64_t load32(const unsigned char *s)
{
	uint32_t v;

	memcpy(&v, s, 4);
	return v;
}

/*
 * The last 1-8 bytes of a key, as one word: a load that ends at the key's end and overlaps the
 * bytes before it (two loads, or three bytes, below eight) rather than tail_load()'s branch on
 * each bit of the length. Frame names are a few bytes of every length, and those branches,
 * mispredicted, cost more than the rest of a lookup. Every byte is read, so two different keys
 * of one length give different words.
 */
static inline uint64_t last_word(const unsigned char *s, size_t len)
{
	if (len >= 8)
		return load64(s + len - 8);
	if (len >= 4)
		return load32(s) << 32 | load32(s + len - 4);
	if (len)
		return (uint64_t)s[0] << 16 | (uint64_t)s[len >> 1] << 8 | s[len - 1];
	return 0;
}

/*
 * The tables' hash, inlined in the hot paths: eight bytes per step, and the last ones as
 * last_word() reads them. Frame names are short and hashed tens of millions of times.
 */
static inline uint64_t table_hash(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *s = data;
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ULL);

	for (; len > 8; s += 8, len -= 8) {
		h = (h ^ (load64(s) * 0xbf58476d1ce4e5b9ULL)) * 0x94d049bb133111ebULL;
		h ^= h >> 29;
	}
	h = (h ^ (last_word(s, len) * 0xbf58476d1ce4e5b9ULL)) * 0x94d049bb133111ebULL;
	return hash_mix(h);
}

/* table_hash() keyed with the process's secret, or the tests' replacement. */
static inline uint32_t profile_hash(const struct gp_profile *p, const void *data, size_t len,
				    uint64_t seed)
{
	if (!p->hash)
		return (uint32_t)table_hash(data, len, seed ^ p->seed);
	return (uint32_t)p->hash(data, len, seed ^ p->seed);
}

/* memcmp() for the few bytes of a frame name, without the call; read as table_hash() does. */
static inline bool bytes_equal(const char *a, const char *b, size_t len)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	for (; len > 8; x += 8, y += 8, len -= 8)
		if (load64(x) != load64(y))
			return false;
	return last_word(x, len) == last_word(y, len);
}

static int table_init(struct id_table *t)
{
	t->slots = calloc(TABLE_MIN, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->mask = TABLE_MIN - 1;
	t->used = 0;
	return 0;
}

static void table_put(struct id_table *t, uint32_t id, uint32_t h)
{
	size_t i;

	for (i = h & t->mask; t->slots[i].id1; i = (i + 1) & t->mask)
		;
	t->slots[i] = (struct id_slot){.id1 = id + 1, .hash = h};
	t->used++;
}

/* Keep the load factor at most 1/2 so that probe sequences stay short. */
static int table_reserve(struct id_table *t)
{
	struct id_table n = {.mask = (t->mask + 1) * 2 - 1};
	size_t i;

	if ((t->used + 1) * 2 <= t->mask + 1)
		return 0;
	n.slots = calloc(n.mask + 1, sizeof(*n.slots));
	if (!n.slots)
		return -ENOMEM;
	for (i = 0; i <= t->mask; i++)
		if (t->slots[i].id1)
			table_put(&n, t->slots[i].id1 - 1, t->slots[i].hash);
	free(t->slots);
	*t = n;
	return 0;
}

static int array_reserve(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 64;
	void *n;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	n = reallocarray(*arr, ncap, elem);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

static const char *names_store(struct gp_profile *p, const char *name, size_t len)
{
	struct name_chunk *c = p->names;
	char *s;

	if (!c || c->cap - c->used < len + 1) {
		size_t cap = len + 1 > NAME_CHUNK ? len + 1 : NAME_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = p->names;
		p->names = c;
	}
	s = c->data + c->used;
	memcpy(s, name, len);
	s[len] = '\0';
	c->used += len + 1;
	return s;
}

struct gp_profile *profile_new(const char *unit, struct prof_err *pe)
{
	struct gp_profile *p;

	if (!unit || (strcmp(unit, "samples") && strcmp(unit, "nanoseconds"))) {
		prof_err_set(pe, EINVAL, "profile unit '%s' is neither 'samples' nor 'nanoseconds'",
			     unit ? unit : "(null)");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		goto nomem;
	p->seed = hashmap_seed();
	p->unit = strdup(unit);
	hashmap_init(&p->map_idx);
	if (!p->unit || table_init(&p->frame_tab) || table_init(&p->stack_tab) ||
	    table_init(&p->label_tab))
		goto nomem;
	return p;
nomem:
	profile_free(p);
	prof_err_set(pe, ENOMEM, "out of memory creating a profile");
	return NULL;
}

void profile_free(struct gp_profile *p)
{
	struct name_chunk *c, *next;

	if (!p)
		return;
	for (c = p->names; c; c = next) {
		next = c->next;
		free(c);
	}
	free(p->frame_tab.slots);
	free(p->stack_tab.slots);
	free(p->label_tab.slots);
	hashmap_free(&p->map_idx);
	free(p->locs);
	free(p->maps);
	free(p->labels);
	free(p->frames);
	free(p->ids);
	free(p->stacks);
	free(p->scratch);
	free(p->unit);
	free(p);
}

const char *profile_unit(const struct gp_profile *p)
{
	return p->unit;
}

bool profile_unit_is_ns(const struct gp_profile *p)
{
	return !strcmp(p->unit, "nanoseconds");
}

int profile_hash_set(struct gp_profile *p, gp_hash_fn fn, struct prof_err *pe)
{
	if (!fn || p->nframes || p->nstacks)
		return prof_err_set(pe, EINVAL,
				    "the hash can only be replaced in an empty profile");
	p->hash = fn;
	return 0;
}

/* A copy of loc in the profile, its strings in the name arena: its index + 1, 0 on failure. */
static uint32_t loc_store(struct gp_profile *p, const struct gp_ploc *loc)
{
	struct gp_ploc *l;

	if (array_reserve((void **)&p->locs, &p->locs_cap, p->nlocs + 1, sizeof(*p->locs)))
		return 0;
	l = &p->locs[p->nlocs];
	*l = *loc;
	if (loc->function && !(l->function = names_store(p, loc->function, strlen(loc->function))))
		return 0;
	if (loc->file && !(l->file = names_store(p, loc->file, strlen(loc->file))))
		return 0;
	return ++p->nlocs;
}

/* Out of line: called once per distinct frame, it would cost every lookup register spills. */
static __attribute__((noinline)) int frame_insert(struct gp_profile *p, const char *name,
						  size_t len, enum gp_frame_kind kind,
						  const struct gp_ploc *loc, uint32_t h,
						  uint32_t *id, struct prof_err *pe)
{
	struct frame_rec *f;

	/* Only new names need the check: a name with a NUL never matches a stored one. */
	if (len > UINT32_MAX || memchr(name, '\0', len))
		return prof_err_set(pe, EINVAL, "frame name too long or containing a NUL byte");
	if (p->nframes >= ID_MAX)
		return prof_err_set(pe, EOVERFLOW, "more than %u distinct frames", ID_MAX);
	if (table_reserve(&p->frame_tab) ||
	    array_reserve((void **)&p->frames, &p->frames_cap, p->nframes + 1, sizeof(*p->frames)))
		goto nomem;
	f = &p->frames[p->nframes];
	f->name = names_store(p, name, len);
	if (!f->name)
		goto nomem;
	f->len = len;
	f->kind = kind;
	f->loc1 = loc ? loc_store(p, loc) : 0;
	if (loc && !f->loc1)
		goto nomem;
	table_put(&p->frame_tab, p->nframes, h);
	*id = p->nframes++;
	return 0;
nomem:
	return prof_err_set(pe, ENOMEM, "out of memory interning frame '%.*s'",
			    (int)(len > 64 ? 64 : len), name);
}

/* A frame is its name and kind, and with a location also where it is. */
static bool frame_same_loc(const struct gp_profile *p, const struct frame_rec *f,
			   const struct gp_ploc *loc)
{
	const struct gp_ploc *l = f->loc1 ? &p->locs[f->loc1 - 1] : NULL;
	uint64_t a = l ? l->address : 0, b = loc ? loc->address : 0;

	return a == b && (l ? l->mapping : 0) == (loc ? loc->mapping : 0);
}

/* The id of the frame (name, kind, loc) of hash h, if it is interned. */
static inline bool frame_find(const struct gp_profile *p, const char *name, size_t len,
			      enum gp_frame_kind kind, const struct gp_ploc *loc, uint32_t h,
			      uint32_t *id)
{
	const struct id_slot *slot;
	size_t i;

	for (i = h & p->frame_tab.mask; (slot = &p->frame_tab.slots[i])->id1;
	     i = (i + 1) & p->frame_tab.mask) {
		const struct frame_rec *f = &p->frames[slot->id1 - 1];

		if (slot->hash == h && f->kind == (uint32_t)kind && f->len == len &&
		    bytes_equal(f->name, name, len) && frame_same_loc(p, f, loc)) {
			*id = slot->id1 - 1;
			return true;
		}
	}
	return false;
}

static int frame_intern_loc(struct gp_profile *p, const char *name, size_t len,
			    enum gp_frame_kind kind, const struct gp_ploc *loc, uint32_t *id,
			    struct prof_err *pe)
{
	uint32_t h;

	if ((unsigned)kind >= GP_FK_COUNT)
		return prof_err_set(pe, EINVAL, "invalid frame kind %d", (int)kind);
	h = profile_hash(p, name, len, kind + 1);
	if (loc && (loc->address || loc->mapping))
		h ^= (uint32_t)hash_mix(loc->address ^ (uint64_t)loc->mapping << 48 ^ p->seed);
	if (frame_find(p, name, len, kind, loc, h, id))
		return 0;
	return frame_insert(p, name, len, kind, loc, h, id, pe);
}

/* frame_intern_loc() without a location, its own copy: the folded reader calls it per frame. */
int profile_frame_intern(struct gp_profile *p, const char *name, size_t len,
			 enum gp_frame_kind kind, uint32_t *id, struct prof_err *pe)
{
	uint32_t h;

	if ((unsigned)kind >= GP_FK_COUNT)
		return prof_err_set(pe, EINVAL, "invalid frame kind %d", (int)kind);
	h = profile_hash(p, name, len, kind + 1);
	if (frame_find(p, name, len, kind, NULL, h, id))
		return 0;
	return frame_insert(p, name, len, kind, NULL, h, id, pe);
}

/* A tag's string as a label id + 1; 0 for NULL. */
static int label_intern(struct gp_profile *p, const char *s, uint32_t *id1, struct prof_err *pe)
{
	const struct id_slot *slot;
	size_t len, i;
	uint32_t h;

	*id1 = 0;
	if (!s)
		return 0;
	len = strlen(s);
	h = profile_hash(p, s, len, 0x1abe1);
	for (i = h & p->label_tab.mask; (slot = &p->label_tab.slots[i])->id1;
	     i = (i + 1) & p->label_tab.mask) {
		if (slot->hash == h && !strcmp(p->labels[slot->id1 - 1], s)) {
			*id1 = slot->id1;
			return 0;
		}
	}
	if (p->nlabels >= ID_MAX || table_reserve(&p->label_tab) ||
	    array_reserve((void **)&p->labels, &p->labels_cap, p->nlabels + 1,
			  sizeof(*p->labels)) ||
	    !(p->labels[p->nlabels] = names_store(p, s, len)))
		return prof_err_set(pe, ENOMEM, "out of memory for a stack's tags");
	table_put(&p->label_tab, p->nlabels, h);
	*id1 = ++p->nlabels;
	return 0;
}

static int weights_add(struct gp_profile *p, struct stack_rec *s, uint64_t weight, uint64_t count,
		       struct prof_err *pe)
{
	uint64_t total, kind_total, w, c;

	if (__builtin_add_overflow(p->total, weight, &total) ||
	    __builtin_add_overflow(p->kind_total[s->kind], weight, &kind_total) ||
	    __builtin_add_overflow(s->weight, weight, &w) ||
	    __builtin_add_overflow(s->count, count, &c))
		return prof_err_set(pe, ERANGE, "profile weight overflows 64 bits");
	p->total = total;
	p->kind_total[s->kind] = kind_total;
	s->weight = w;
	s->count = c;
	return 0;
}

/* A stack's tags as they are kept: strings as label ids. */
struct tag_ids {
	uint32_t pid, tid, thread1, lock1;
};

static bool tags_same(const struct stack_rec *s, const struct tag_ids *t)
{
	return s->pid == t->pid && s->tid == t->tid && s->thread1 == t->thread1 &&
	       s->lock1 == t->lock1;
}

static struct stack_rec *stack_find(struct gp_profile *p, const uint32_t *ids, size_t n,
				    const struct tag_ids *t, enum gp_sample_kind kind, uint32_t h)
{
	const struct id_slot *slot;
	size_t i;

	for (i = h & p->stack_tab.mask; (slot = &p->stack_tab.slots[i])->id1;
	     i = (i + 1) & p->stack_tab.mask) {
		struct stack_rec *s;

		if (slot->hash != h)
			continue;
		s = &p->stacks[slot->id1 - 1];
		if (s->kind == (uint32_t)kind && s->depth == n && tags_same(s, t) &&
		    !memcmp(p->ids + s->off, ids, n * sizeof(*ids)))
			return s;
	}
	return NULL;
}

/* Append a new stack; ids may point into p->ids (a sub-range of an existing stack). */
static int stack_insert(struct gp_profile *p, const uint32_t *ids, size_t n,
			const struct tag_ids *t, enum gp_sample_kind kind, uint32_t h,
			struct stack_rec **out)
{
	uintptr_t a = (uintptr_t)ids, lo = (uintptr_t)p->ids;
	bool alias = p->ids && a >= lo && a < lo + p->nids * sizeof(*ids);
	size_t alias_off = alias ? (size_t)(ids - p->ids) : 0;
	struct stack_rec *s;

	if (table_reserve(&p->stack_tab) ||
	    array_reserve((void **)&p->ids, &p->ids_cap, p->nids + n, sizeof(*p->ids)) ||
	    array_reserve((void **)&p->stacks, &p->stacks_cap, p->nstacks + 1, sizeof(*p->stacks)))
		return -ENOMEM;
	if (alias)
		ids = p->ids + alias_off;
	memcpy(p->ids + p->nids, ids, n * sizeof(*ids));
	s = &p->stacks[p->nstacks];
	*s = (struct stack_rec){.off = p->nids,
				.depth = n,
				.kind = kind,
				.pid = t->pid,
				.tid = t->tid,
				.thread1 = t->thread1,
				.lock1 = t->lock1};
	p->nids += n;
	table_put(&p->stack_tab, p->nstacks, h);
	p->nstacks++;
	*out = s;
	return 0;
}

static int stack_check(const struct gp_profile *p, const uint32_t *ids, size_t n,
		       enum gp_sample_kind kind, struct prof_err *pe)
{
	size_t i;

	if ((unsigned)kind >= GP_SK_COUNT)
		return prof_err_set(pe, EINVAL, "invalid sample kind %d", (int)kind);
	if (n == 0)
		return prof_err_set(pe, EINVAL, "a stack needs at least one frame");
	if (n > UINT32_MAX)
		return prof_err_set(pe, EINVAL, "a stack of %zu frames is too deep", n);
	if (p->nstacks >= ID_MAX)
		return prof_err_set(pe, EOVERFLOW, "more than %u distinct stacks", ID_MAX);
	for (i = 0; i < n; i++)
		if (ids[i] >= p->nframes)
			return prof_err_set(pe, EINVAL, "frame id %u is not interned", ids[i]);
	return 0;
}

static uint32_t stack_hash(const struct gp_profile *p, const uint32_t *ids, size_t n,
			   const struct tag_ids *t, enum gp_sample_kind kind)
{
	uint32_t h = profile_hash(p, ids, n * sizeof(*ids), kind + 1);

	if (t->pid || t->tid || t->thread1 || t->lock1)
		h ^= (uint32_t)hash_mix(
			((uint64_t)t->pid << 32 | t->tid) ^
			((uint64_t)t->thread1 << 32 | t->lock1) * 0x9e3779b97f4a7c15ULL ^ p->seed);
	return h;
}

/* h is stack_hash()'s, which a batch computes ahead. */
static int stack_add_hashed(struct gp_profile *p, const uint32_t *ids, size_t n,
			    const struct tag_ids *t, enum gp_sample_kind kind, uint64_t weight,
			    uint64_t count, uint32_t h, struct prof_err *pe)
{
	struct stack_rec *s;
	int err;

	err = stack_check(p, ids, n, kind, pe);
	if (err)
		return err;
	/* Checked first so that a failing add leaves no empty stack behind; the stack and kind
	 * totals are bounded by the profile total, so they cannot overflow after this. */
	if (p->total > UINT64_MAX - weight)
		return prof_err_set(pe, ERANGE, "profile weight overflows 64 bits");
	s = stack_find(p, ids, n, t, kind, h);
	if (!s && stack_insert(p, ids, n, t, kind, h, &s))
		return prof_err_set(pe, ENOMEM, "out of memory adding stack %zu (%zu frames)",
				    p->nstacks, n);
	return weights_add(p, s, weight, count, pe);
}

static int stack_add(struct gp_profile *p, const uint32_t *ids, size_t n, const struct tag_ids *t,
		     enum gp_sample_kind kind, uint64_t weight, uint64_t count, struct prof_err *pe)
{
	return stack_add_hashed(p, ids, n, t, kind, weight, count, stack_hash(p, ids, n, t, kind),
				pe);
}

int profile_add_ids(struct gp_profile *p, const uint32_t *ids, size_t n, enum gp_sample_kind kind,
		    uint64_t weight, uint64_t count, struct prof_err *pe)
{
	const struct tag_ids none = {0};

	return stack_add(p, ids, n, &none, kind, weight, count, pe);
}

/* The first stack in h's probe run with that hash: the one stack_find() will compare, mostly. */
static uint32_t stack_candidate(const struct gp_profile *p, uint32_t h)
{
	const struct id_slot *slot;
	size_t i;

	for (i = h & p->stack_tab.mask; (slot = &p->stack_tab.slots[i])->id1;
	     i = (i + 1) & p->stack_tab.mask)
		if (slot->hash == h)
			return slot->id1;
	return 0;
}

/*
 * With a million stacks the stack table is tens of megabytes and the first probe of each add a
 * cache miss that the processor cannot start early, the hash being needed first; so are, when
 * the stack is already there, its record and its frame ids, each needed to find the next. A
 * batch takes these steps for all its stacks in turn, prefetching what the next step reads, so
 * that the misses of one step overlap. Nothing changes until the last step adds the stacks: a
 * prefetch made stale by an add (or by the table growing) is only wasted.
 */
int profile_add_ids_batch(struct gp_profile *p, const uint32_t *ids,
			  const struct gp_ids_stack *stacks, size_t n, size_t *added,
			  struct prof_err *pe)
{
	const struct tag_ids none = {0};
	uint32_t h[GP_IDS_BATCH_MAX], cand[GP_IDS_BATCH_MAX];
	size_t i;
	int err = 0;

	*added = 0;
	if (n > GP_IDS_BATCH_MAX)
		return prof_err_set(pe, EINVAL, "a batch of %zu stacks is over %d", n,
				    GP_IDS_BATCH_MAX);
	for (i = 0; i < n; i++) {
		h[i] = stack_hash(p, ids + stacks[i].off, stacks[i].depth, &none, stacks[i].kind);
		__builtin_prefetch(&p->stack_tab.slots[h[i] & p->stack_tab.mask]);
	}
	for (i = 0; i < n; i++)
		if ((cand[i] = stack_candidate(p, h[i])))
			__builtin_prefetch(&p->stacks[cand[i] - 1]);
	for (i = 0; i < n; i++)
		if (cand[i])
			__builtin_prefetch(p->ids + p->stacks[cand[i] - 1].off);
	for (i = 0; i < n && !err; i++) {
		const struct gp_ids_stack *s = &stacks[i];

		err = stack_add_hashed(p, ids + s->off, s->depth, &none, s->kind, s->weight,
				       s->count, h[i], pe);
		if (!err)
			*added = i + 1;
	}
	return err;
}

int profile_add_tagged(struct gp_profile *p, const struct gp_pframe *frames,
		       const struct gp_ploc *const *locs, size_t n, const struct gp_ptags *tags,
		       enum gp_sample_kind kind, uint64_t weight, uint64_t count,
		       struct prof_err *pe)
{
	struct tag_ids t = {0};
	size_t i;
	int err;

	if (array_reserve((void **)&p->scratch, &p->scratch_cap, n, sizeof(*p->scratch)))
		return prof_err_set(pe, ENOMEM, "out of memory for a %zu-frame stack", n);
	for (i = 0; i < n; i++) {
		if (!frames[i].name)
			return prof_err_set(pe, EINVAL, "frame %zu of the stack has no name", i);
		err = frame_intern_loc(p, frames[i].name, strlen(frames[i].name), frames[i].kind,
				       locs ? locs[i] : NULL, &p->scratch[i], pe);
		if (err)
			return err;
	}
	if (tags) {
		t.pid = tags->pid;
		t.tid = tags->tid;
		err = label_intern(p, tags->thread, &t.thread1, pe);
		if (!err)
			err = label_intern(p, tags->lock, &t.lock1, pe);
		if (err)
			return err;
	}
	return stack_add(p, p->scratch, n, &t, kind, weight, count, pe);
}

int profile_add(struct gp_profile *p, const struct gp_pframe *frames, size_t n,
		enum gp_sample_kind kind, uint64_t weight, uint64_t count, struct prof_err *pe)
{
	return profile_add_tagged(p, frames, NULL, n, NULL, kind, weight, count, pe);
}

static uint64_t map_key(const struct gp_pmapping *m)
{
	uint64_t h = table_hash(m->file, strlen(m->file), m->limit ^ m->offset * 31);

	return h ^ table_hash(m->build_id, strlen(m->build_id), 0x6d6170);
}

static bool map_same(const struct gp_pmapping *a, const struct gp_pmapping *b)
{
	return a->start == b->start && a->limit == b->limit && a->offset == b->offset &&
	       !strcmp(a->file, b->file) && !strcmp(a->build_id, b->build_id);
}

int profile_mapping_add(struct gp_profile *p, const struct gp_pmapping *m, uint32_t *id,
			struct prof_err *pe)
{
	struct gp_pmapping c = *m;
	uint64_t key, k;
	uintptr_t v;

	c.file = m->file ? m->file : "";
	c.build_id = m->build_id ? m->build_id : "";
	key = map_key(&c);
	/* chained by a second key: the same (start, hash) may hold several mappings */
	for (k = key; (v = (uintptr_t)hashmap_get(&p->map_idx, c.start, k)); k++) {
		if (map_same(&p->maps[v - 1], &c)) {
			*id = v - 1;
			return 0;
		}
	}
	if (p->nmaps >= ID_MAX ||
	    array_reserve((void **)&p->maps, &p->maps_cap, p->nmaps + 1, sizeof(*p->maps)) ||
	    !(c.file = names_store(p, c.file, strlen(c.file))) ||
	    !(c.build_id = names_store(p, c.build_id, strlen(c.build_id))) ||
	    hashmap_put(&p->map_idx, c.start, k, (void *)(uintptr_t)(p->nmaps + 1)))
		return prof_err_set(pe, ENOMEM, "out of memory for a mapping");
	p->maps[p->nmaps] = c;
	*id = p->nmaps++;
	return 0;
}

size_t profile_nmappings(const struct gp_profile *p)
{
	return p->nmaps;
}

struct gp_pmapping profile_mapping(const struct gp_profile *p, uint32_t id)
{
	return id < p->nmaps ? p->maps[id] : (struct gp_pmapping){.file = "", .build_id = ""};
}

static bool frames_same(const struct gp_profile *p, const struct stack_rec *a,
			const struct stack_rec *b)
{
	return a->depth == b->depth &&
	       !memcmp(p->ids + a->off, p->ids + b->off, a->depth * sizeof(*p->ids));
}

int profile_stack_groups(const struct gp_profile *p, uint32_t *group, size_t *ngroups,
			 struct prof_err *pe)
{
	struct id_table t = {0};
	size_t cap = TABLE_MIN, i, j;

	while (cap < 2 * p->nstacks)
		cap *= 2;
	t.slots = calloc(cap, sizeof(*t.slots));
	if (!t.slots)
		return prof_err_set(pe, ENOMEM, "out of memory grouping %zu stacks", p->nstacks);
	t.mask = cap - 1;
	*ngroups = 0;
	for (i = 0; i < p->nstacks; i++) {
		const struct stack_rec *s = &p->stacks[i];
		uint32_t h = profile_hash(p, p->ids + s->off, s->depth * sizeof(*p->ids), 0x6709);

		for (j = h & t.mask; t.slots[j].id1; j = (j + 1) & t.mask)
			if (t.slots[j].hash == h &&
			    frames_same(p, &p->stacks[t.slots[j].id1 - 1], s))
				break;
		if (t.slots[j].id1) {
			group[i] = group[t.slots[j].id1 - 1];
			continue;
		}
		t.slots[j] = (struct id_slot){.id1 = i + 1, .hash = h};
		group[i] = (*ngroups)++;
	}
	free(t.slots);
	return 0;
}

size_t profile_nstacks(const struct gp_profile *p)
{
	return p->nstacks;
}

void profile_stack(const struct gp_profile *p, size_t i, struct gp_stack *out)
{
	const struct stack_rec *s;

	if (i >= p->nstacks) {
		*out = (struct gp_stack){0};
		return;
	}
	s = &p->stacks[i];
	*out = (struct gp_stack){
		.frames = p->ids + s->off,
		.depth = s->depth,
		.kind = s->kind,
		.weight = s->weight,
		.count = s->count,
		.tags = {.pid = s->pid,
			 .tid = s->tid,
			 .thread = s->thread1 ? p->labels[s->thread1 - 1] : NULL,
			 .lock = s->lock1 ? p->labels[s->lock1 - 1] : NULL},
	};
}

size_t profile_nframes(const struct gp_profile *p)
{
	return p->nframes;
}

struct gp_pframe profile_frame(const struct gp_profile *p, uint32_t id)
{
	if (id >= p->nframes)
		return (struct gp_pframe){.name = NULL, .kind = GP_FK_USER};
	return (struct gp_pframe){.name = p->frames[id].name, .kind = p->frames[id].kind};
}

const struct gp_ploc *profile_frame_loc(const struct gp_profile *p, uint32_t id)
{
	return id < p->nframes && p->frames[id].loc1 ? &p->locs[p->frames[id].loc1 - 1] : NULL;
}

uint64_t profile_total(const struct gp_profile *p)
{
	return p->total;
}

uint64_t profile_kind_total(const struct gp_profile *p, enum gp_sample_kind kind)
{
	return (unsigned)kind < GP_SK_COUNT ? p->kind_total[kind] : 0;
}
