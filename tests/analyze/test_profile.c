// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "analyze/profile.h"
#include "testutil.h"

#define NFRAMES(a) (sizeof(a) / sizeof((a)[0]))

static const struct gp_pframe stack_a[] = {
	{"python3", GP_FK_COMM},
	{"main", GP_FK_USER},
	{"take_gil", GP_FK_USER},
	{"GIL", GP_FK_LOCK},
};

static const struct gp_pframe stack_b[] = {
	{"python3", GP_FK_COMM},
	{"main", GP_FK_USER},
	{"compute", GP_FK_USER},
};

Test(profile, same_frames_merge)
{
	struct gp_profile *p = profile_make("nanoseconds");
	struct gp_stack s;

	stack_add(p, stack_a, NFRAMES(stack_a), GP_SK_LOCK_WAIT, 100, 1);
	stack_add(p, stack_b, NFRAMES(stack_b), GP_SK_CPU, 7, 1);
	stack_add(p, stack_a, NFRAMES(stack_a), GP_SK_LOCK_WAIT, 50, 2);
	cr_assert_eq(profile_nstacks(p), 2);
	cr_assert_eq(profile_nframes(p), 5);
	profile_stack(p, 0, &s);
	cr_assert_eq(s.weight, 150);
	cr_assert_eq(s.count, 3);
	cr_assert_eq(s.depth, 4);
	cr_assert_eq(s.kind, GP_SK_LOCK_WAIT);
	cr_assert_eq(profile_total(p), 157);
	cr_assert_eq(profile_kind_total(p, GP_SK_LOCK_WAIT), 150);
	cr_assert_eq(profile_kind_total(p, GP_SK_CPU), 7);
	cr_assert_str_eq(profile_unit(p), "nanoseconds");
	profile_free(p);
}

Test(profile, kind_and_prefix_keep_stacks_apart)
{
	struct gp_profile *p = profile_make("samples");
	struct gp_pframe kernel_main[] = {{"python3", GP_FK_COMM}, {"main", GP_FK_KERNEL}};

	stack_add(p, stack_a, NFRAMES(stack_a), GP_SK_LOCK_WAIT, 1, 1);
	stack_add(p, stack_a, NFRAMES(stack_a), GP_SK_RUNQ_WAIT, 1, 1);
	stack_add(p, stack_a, 3, GP_SK_LOCK_WAIT, 1, 1);
	stack_add(p, kernel_main, 2, GP_SK_CPU, 1, 1);
	cr_assert_eq(profile_nstacks(p), 4);
	/* "main" as a kernel frame is not the user frame "main". */
	cr_assert_eq(profile_nframes(p), 5);
	stack_expect(stack_kinds, p, 3, "python3/comm;main/kernel");
	stack_expect(stack_kinds, p, 0, "python3/comm;main/user;take_gil/user;GIL/lock");
	profile_free(p);
}

static uint64_t hash_constant(const void *data, size_t len, uint64_t seed)
{
	(void)data;
	(void)len;
	(void)seed;
	return 42;
}

Test(profile, forced_hash_collision_keeps_stacks_apart)
{
	struct gp_profile *p = profile_make("samples");
	struct prof_err pe = {0};
	size_t i;

	cr_assert_eq(profile_hash_set(p, hash_constant, &pe), 0, "%s", pe.msg);
	stack_add(p, stack_a, NFRAMES(stack_a), GP_SK_CPU, 3, 3);
	stack_add(p, stack_b, NFRAMES(stack_b), GP_SK_CPU, 5, 5);
	stack_add(p, stack_a, 2, GP_SK_CPU, 11, 11);
	stack_add(p, stack_b, NFRAMES(stack_b), GP_SK_CPU, 5, 5);
	/* Enough colliding frames and stacks to grow both tables while everything collides. */
	for (i = 0; i < 1500; i++) {
		char name[32];
		struct gp_pframe f[] = {{"t", GP_FK_COMM}, {name, GP_FK_USER}};

		snprintf(name, sizeof(name), "fn%zu", i);
		stack_add(p, f, 2, GP_SK_CPU, 1, 1);
	}
	cr_assert_eq(profile_nstacks(p), 3 + 1500);
	cr_assert_eq(profile_nframes(p), 5 + 1 + 1500);
	stack_expect(stack_kinds, p, 0, "python3/comm;main/user;take_gil/user;GIL/lock");
	stack_expect(stack_kinds, p, 1, "python3/comm;main/user;compute/user");
	stack_expect(stack_kinds, p, 1502, "t/comm;fn1499/user");
	{
		struct gp_stack s;

		profile_stack(p, 1, &s);
		cr_assert_eq(s.weight, 10);
		profile_stack(p, 2, &s);
		cr_assert_eq(s.weight, 11);
		cr_assert_eq(s.depth, 2);
	}
	cr_assert_eq(profile_total(p), 3 + 10 + 11 + 1500);
	profile_free(p);
}

Test(profile, many_distinct_stacks)
{
	struct gp_profile *p = profile_make("samples");
	struct prof_err pe = {0};
	uint32_t ids[8];
	struct gp_stack s;
	uint64_t total = 0;
	size_t i, j;

	for (j = 0; j < 8; j++) {
		char name[8];

		snprintf(name, sizeof(name), "f%zu", j);
		cr_assert_eq(profile_frame_intern(p, name, strlen(name), GP_FK_USER, &ids[j], &pe),
			     0);
	}
	/* Every 6-frame sequence over 8 names in base 8: 8^6 = 262144 distinct stacks. */
	for (i = 0; i < 262144; i++) {
		uint32_t st[6];

		for (j = 0; j < 6; j++)
			st[j] = ids[(i >> (3 * j)) & 7];
		cr_assert_eq(profile_add_ids(p, st, 6, GP_SK_CPU, i % 5 + 1, 1, &pe), 0);
		total += i % 5 + 1;
	}
	for (i = 0; i < 1000; i++) {
		uint32_t st[6];

		for (j = 0; j < 6; j++)
			st[j] = ids[(i >> (3 * j)) & 7];
		cr_assert_eq(profile_add_ids(p, st, 6, GP_SK_CPU, 1, 1, &pe), 0);
	}
	cr_assert_eq(profile_nstacks(p), 262144);
	cr_assert_eq(profile_total(p), total + 1000);
	profile_stack(p, 999, &s);
	cr_assert_eq(s.weight, 999 % 5 + 1 + 1);
	profile_stack(p, 262143, &s);
	cr_assert_eq(s.frames[5], ids[7]);
	profile_free(p);
}

Test(profile, add_from_own_storage)
{
	struct gp_profile *p = profile_make("samples");
	struct prof_err pe = {0};
	struct gp_stack s;
	size_t i;

	stack_add(p, stack_a, NFRAMES(stack_a), GP_SK_CPU, 1, 1);
	/* Prefixes of stack 0, read from the profile itself while it reallocates. */
	for (i = 0; i < 2000; i++) {
		profile_stack(p, 0, &s);
		cr_assert_eq(profile_add_ids(p, s.frames, 1 + i % 3,
					     i % 2 ? GP_SK_CPU : GP_SK_SLEEP, 1, 1, &pe),
			     0, "%s", pe.msg);
		stack_add(p, stack_b, 1 + i % 3, GP_SK_RUNQ_WAIT, 1, 1);
	}
	cr_assert_eq(profile_nstacks(p), 1 + 6 + 3);
	profile_stack(p, 1, &s);
	cr_assert_eq(s.depth, 1);
	cr_assert_str_eq(profile_frame(p, s.frames[0]).name, "python3");
	profile_free(p);
}

Test(profile, errors)
{
	struct gp_profile *p;
	struct prof_err pe = {0};
	struct gp_pframe nameless[] = {{NULL, GP_FK_USER}};
	uint32_t id, bad = 99;

	cr_assert_null(profile_new("bytes", &pe));
	cr_assert_eq(pe.code, -EINVAL);
	cr_assert(strstr(pe.msg, "bytes"), "%s", pe.msg);
	cr_assert_null(profile_new(NULL, NULL));
	p = profile_make("samples");
	cr_assert_eq(profile_add(p, stack_a, 0, GP_SK_CPU, 1, 1, &pe), -EINVAL);
	cr_assert(strstr(pe.msg, "at least one frame"), "%s", pe.msg);
	cr_assert_eq(profile_add(p, stack_a, 2, GP_SK_COUNT, 1, 1, &pe), -EINVAL);
	cr_assert_eq(profile_add(p, nameless, 1, GP_SK_CPU, 1, 1, &pe), -EINVAL);
	cr_assert_eq(profile_frame_intern(p, "a\0b", 3, GP_FK_USER, &id, &pe), -EINVAL);
	cr_assert(strstr(pe.msg, "NUL"), "%s", pe.msg);
	cr_assert_eq(profile_frame_intern(p, "a", 1, GP_FK_COUNT, &id, &pe), -EINVAL);
	cr_assert_eq(profile_add_ids(p, &bad, 1, GP_SK_CPU, 1, 1, &pe), -EINVAL);
	cr_assert(strstr(pe.msg, "not interned"), "%s", pe.msg);
	stack_add(p, stack_a, 2, GP_SK_CPU, UINT64_MAX - 1, 1);
	cr_assert_eq(profile_add(p, stack_b, 3, GP_SK_CPU, 2, 1, &pe), -ERANGE);
	cr_assert(strstr(pe.msg, "overflow"), "%s", pe.msg);
	/* The failed add left nothing behind. */
	cr_assert_eq(profile_nstacks(p), 1);
	cr_assert_eq(profile_total(p), UINT64_MAX - 1);
	cr_assert_eq(profile_hash_set(p, hash_constant, &pe), -EINVAL);
	cr_assert_null(profile_frame(p, 1000).name);
	cr_assert_str_eq(sample_kind_name(GP_SK_LOCK_WAIT), "lock-wait");
	cr_assert_null(sample_kind_name(GP_SK_COUNT));
	profile_free(p);
	profile_free(NULL);
}

static uint64_t inv_mul(uint64_t m)
{
	uint64_t x = m; /* Newton's iteration: correct bits double each step */

	for (int i = 0; i < 6; i++)
		x *= 2 - m * x;
	return x;
}

static uint64_t inv_xorshift(uint64_t y, int s)
{
	uint64_t x = y;

	for (int i = 0; i < 64 / s + 1; i++)
		x = y ^ (x >> s);
	return x;
}

/* An 8-byte name whose user frame the unkeyed table hash puts at y (analyze/profile.c). */
static uint64_t name_for(uint32_t y_high)
{
	uint64_t h = ((uint64_t)y_high << 32) | 0xabcdef, h0 = 1 ^ 8 * 0x9e3779b97f4a7c15ULL;

	h = inv_xorshift(h, 33) * inv_mul(0xc4ceb9fe1a85ec53ULL);
	h = inv_xorshift(h, 33) * inv_mul(0xff51afd7ed558ccdULL);
	h = inv_xorshift(h, 33) * inv_mul(0x94d049bb133111ebULL);
	return (h ^ h0) * inv_mul(0xbf58476d1ce4e5b9ULL);
}

static bool has_nul(uint64_t v)
{
	return (v - 0x0101010101010101ULL) & ~v & 0x8080808080808080ULL;
}

/* Frame names from a recording or a folded file, made to share one 32-bit hash as one could
 * with the source: the table, keyed per process, keeps them apart in linear time. */
Test(profile, crafted_names_do_not_collide, .timeout = 30)
{
	struct gp_profile *p = profile_make("samples");
	struct prof_err pe = {0};
	uint32_t n = 0, y, id;
	uint64_t v, first = 0;

	for (y = 0; n < 100000; y++) {
		v = name_for(y);
		if (has_nul(v))
			continue; /* names hold no NUL */
		first = first ? first : v;
		cr_assert_eq(profile_frame_intern(p, (const char *)&v, 8, GP_FK_USER, &id, &pe), 0,
			     "%s", pe.msg);
		cr_assert_eq(id, n++);
	}
	cr_assert_eq(profile_frame_intern(p, (const char *)&first, 8, GP_FK_USER, &id, &pe), 0);
	cr_assert_eq(id, 0, "the same name is the same frame");
	profile_free(p);
}

Test(profile, tags_keep_threads_apart_and_read_back)
{
	struct gp_profile *p = profile_make("nanoseconds");
	struct gp_ptags a = {.pid = 10, .tid = 11, .thread = "worker", .lock = "gil"};
	struct gp_ptags b = {.pid = 10, .tid = 12, .thread = "worker", .lock = "gil"};
	struct prof_err pe = {0};
	struct gp_stack s;

	cr_assert_eq(profile_add_tagged(p, stack_a, NULL, 4, &a, GP_SK_LOCK_WAIT, 5, 1, &pe), 0);
	cr_assert_eq(profile_add_tagged(p, stack_a, NULL, 4, &b, GP_SK_LOCK_WAIT, 6, 1, &pe), 0);
	cr_assert_eq(profile_add_tagged(p, stack_a, NULL, 4, &a, GP_SK_LOCK_WAIT, 7, 1, &pe), 0);
	cr_assert_eq(profile_add(p, stack_a, 4, GP_SK_LOCK_WAIT, 1, 1, &pe), 0);
	cr_assert_eq(profile_nstacks(p), 3);
	profile_stack(p, 0, &s);
	cr_assert_eq(s.weight, 12);
	cr_assert_eq(s.tags.pid, 10);
	cr_assert_eq(s.tags.tid, 11);
	cr_assert_str_eq(s.tags.thread, "worker");
	cr_assert_str_eq(s.tags.lock, "gil");
	profile_stack(p, 2, &s);
	cr_assert_eq(s.tags.tid, 0);
	cr_assert_null(s.tags.thread);
	cr_assert_null(s.tags.lock);
	profile_free(p);
}

Test(profile, frames_with_locations_are_one_per_address)
{
	struct gp_profile *p = profile_make("nanoseconds");
	struct gp_pmapping m = {0x1000, 0x2000, 0, "/bin/prog", "abcd"}, m2 = m;
	struct gp_pframe f[] = {{"t", GP_FK_COMM}, {"work", GP_FK_USER}};
	struct gp_ploc at1 = {0x1074, 1, 38, "work", "/src/prog.c"}, at2 = at1;
	const struct gp_ploc *locs1[] = {NULL, &at1}, *locs2[] = {NULL, &at2}, *l;
	struct prof_err pe = {0};
	uint32_t id, id2;

	cr_assert_eq(profile_mapping_add(p, &m, &id, &pe), 0);
	cr_assert_eq(profile_mapping_add(p, &m2, &id2, &pe), 0);
	cr_assert_eq(id, id2, "equal mappings share an id");
	m2.start = 0x5000;
	cr_assert_eq(profile_mapping_add(p, &m2, &id2, &pe), 0);
	cr_assert_neq(id, id2);
	cr_assert_eq(profile_nmappings(p), 2);
	cr_assert_str_eq(profile_mapping(p, id).file, "/bin/prog");
	cr_assert_str_eq(profile_mapping(p, id).build_id, "abcd");
	at2.address = 0x10d1;
	at2.line = 40;
	cr_assert_eq(profile_add_tagged(p, f, locs1, 2, NULL, GP_SK_CPU, 1, 1, &pe), 0);
	cr_assert_eq(profile_add_tagged(p, f, locs2, 2, NULL, GP_SK_CPU, 1, 1, &pe), 0);
	cr_assert_eq(profile_add_tagged(p, f, locs1, 2, NULL, GP_SK_CPU, 1, 1, &pe), 0);
	cr_assert_eq(profile_add(p, f, 2, GP_SK_CPU, 1, 1, &pe), 0);
	cr_assert_eq(profile_nstacks(p), 3, "work at two addresses, and by name only");
	cr_assert_eq(profile_nframes(p), 4);
	l = profile_frame_loc(p, 1);
	cr_assert_not_null(l);
	cr_assert_eq(l->address, 0x1074);
	cr_assert_eq(l->line, 38);
	cr_assert_str_eq(l->function, "work");
	cr_assert_str_eq(l->file, "/src/prog.c");
	cr_assert_null(profile_frame_loc(p, 0));
	cr_assert_null(profile_frame_loc(p, 3));
	profile_free(p);
}

Test(profile, stack_groups_join_kinds_and_tags)
{
	struct gp_profile *p = profile_make("nanoseconds");
	struct gp_ptags a = {.tid = 1}, b = {.tid = 2};
	struct prof_err pe = {0};
	uint32_t group[5];
	size_t n;

	cr_assert_eq(profile_add_tagged(p, stack_b, NULL, 3, &a, GP_SK_CPU, 1, 1, &pe), 0);
	cr_assert_eq(profile_add_tagged(p, stack_a, NULL, 4, &a, GP_SK_SLEEP, 1, 1, &pe), 0);
	cr_assert_eq(profile_add_tagged(p, stack_a, NULL, 4, &a, GP_SK_RUNQ_WAIT, 1, 1, &pe), 0);
	cr_assert_eq(profile_add_tagged(p, stack_b, NULL, 3, &b, GP_SK_CPU, 1, 1, &pe), 0);
	cr_assert_eq(profile_add_tagged(p, stack_a, NULL, 3, &b, GP_SK_CPU, 1, 1, &pe), 0);
	cr_assert_eq(profile_stack_groups(p, group, &n, &pe), 0);
	cr_assert_eq(n, 3);
	cr_assert_eq(group[0], 0);
	cr_assert_eq(group[1], 1);
	cr_assert_eq(group[2], 1);
	cr_assert_eq(group[3], 0);
	cr_assert_eq(group[4], 2);
	profile_free(p);
}

Test(profile, batch_adds_in_order_and_stops_at_a_failure)
{
	struct gp_profile *p = profile_make("samples");
	struct prof_err pe = {0};
	struct gp_ids_stack batch[GP_IDS_BATCH_MAX];
	uint32_t ids[2 * GP_IDS_BATCH_MAX], f[3];
	struct gp_stack s;
	size_t added, i;

	for (i = 0; i < 3; i++)
		cr_assert_eq(profile_frame_intern(p, stack_b[i].name, strlen(stack_b[i].name),
						  stack_b[i].kind, &f[i], &pe),
			     0);
	/* Stacks [0, 1 + i % 2] of kind i % 3: six distinct ones, each seen several times. */
	for (i = 0; i < GP_IDS_BATCH_MAX; i++) {
		ids[2 * i] = f[0];
		ids[2 * i + 1] = f[1 + i % 2];
		batch[i] = (struct gp_ids_stack){
			.off = 2 * i, .depth = 2, .kind = i % 3, .weight = i, .count = 1};
	}
	cr_assert_eq(profile_add_ids_batch(p, ids, batch, GP_IDS_BATCH_MAX, &added, &pe), 0, "%s",
		     pe.msg);
	cr_assert_eq(added, GP_IDS_BATCH_MAX);
	cr_assert_eq(profile_nstacks(p), 6);
	profile_stack(p, 5, &s);
	cr_assert_eq(s.kind, 5 % 3);
	cr_assert_eq(s.frames[1], f[1 + 5 % 2]);
	cr_assert_eq(s.count, GP_IDS_BATCH_MAX / 6);
	cr_assert_eq(profile_total(p), GP_IDS_BATCH_MAX * (GP_IDS_BATCH_MAX - 1) / 2);

	/* The third overflows the total: the first two are in, the fourth is not. */
	batch[2].weight = UINT64_MAX;
	batch[3].off = 1; /* a new stack, [f1 or f2] alone */
	batch[3].depth = 1;
	cr_assert_eq(profile_add_ids_batch(p, ids, batch, 4, &added, &pe), -ERANGE);
	cr_assert(strstr(pe.msg, "overflow"), "%s", pe.msg);
	cr_assert_eq(added, 2);
	cr_assert_eq(profile_nstacks(p), 6);
	cr_assert_eq(profile_total(p), GP_IDS_BATCH_MAX * (GP_IDS_BATCH_MAX - 1) / 2 + 0 + 1);
	cr_assert_eq(profile_add_ids_batch(p, ids, batch, GP_IDS_BATCH_MAX + 1, &added, &pe),
		     -EINVAL);
	cr_assert_eq(added, 0);
	profile_free(p);
}
