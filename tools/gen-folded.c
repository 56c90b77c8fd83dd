// SPDX-License-Identifier: GPL-2.0
/*
 * Deterministic synthetic folded stacks for the flame graph benchmark.
 *
 *	gen-folded [-n STACKS] [-f FUNCTIONS] [-s SEED] > out.folded
 *
 * Stacks look like a profiled program: a few thread names, each with a fixed chain of entry
 * frames (the common prefixes), then a random walk through a fixed call graph in which every
 * function has 2-6 callees, each half as likely as the one before, to a depth of 10-40 frames; a
 * third of the stacks end in a few kernel frames (annotated _[k]). Deep walks rarely repeat, so a
 * million stacks are nearly all distinct while the shallow frames are shared, as in real profiles.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NAME_MAX_LEN 24

static const char *const threads[] = {"python3",   "worker-1", "worker-2",    "worker-3",
				      "gc-thread", "io-loop",  "ThreadPool-7"};
static const char *const entry[] = {"_start",	  "__libc_start_main", "main",
				    "Py_RunMain", "start_thread",      "clone3"};
static const char *const kernel[] = {
	"entry_SYSCALL_64_[k]", "do_syscall_64_[k]", "__x64_sys_futex_[k]", "do_futex_[k]",
	"futex_wait_[k]",	"schedule_[k]",	     "__schedule_[k]"};
static const char *const syllables[] = {"ka",	"ro", "mi", "te",  "su",  "na", "lo",
					"vi",	"pe", "da", "gu",  "zo",  "Py", "_",
					"eval", "gc", "io", "get", "set", "obj"};

static uint64_t rng_state;

/* splitmix64: tiny, fast and the same on every platform. */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t z = a * 0x9e3779b97f4a7c15ULL + b;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	return z ^ (z >> 31);
}

/* Unique names of 2-9 characters: 1-2 syllables then the index in base 36. */
static void name_make(char *out, unsigned i)
{
	static const char b36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	uint64_t h = mix(i, 7);
	unsigned n = 1 + h % 2, k, len = 0;
	char tail[8];
	int t = 0;

	for (k = 0; k < n; k++) {
		const char *s =
			syllables[(h >> (8 + 5 * k)) % (sizeof(syllables) / sizeof(*syllables))];

		len += snprintf(out + len, NAME_MAX_LEN - len, "%s", s);
	}
	do {
		tail[t++] = b36[i % 36];
		i /= 36;
	} while (i);
	while (t && len + 1 < NAME_MAX_LEN)
		out[len++] = tail[--t];
	out[len] = '\0';
}

static int usage(void)
{
	fprintf(stderr, "usage: gen-folded [-n STACKS] [-f FUNCTIONS] [-s SEED]\n");
	return 2;
}

static void stack_put(char (*names)[NAME_MAX_LEN], unsigned nfuncs)
{
	unsigned t = rng_next() % (sizeof(threads) / sizeof(*threads));
	unsigned r1 = rng_next() % 31, r2 = rng_next() % 31;
	/* 10-40 frames, shallow stacks more common (the minimum of two uniform draws). */
	unsigned depth = 10 + (r1 < r2 ? r1 : r2);
	unsigned fn = mix(t, 99) % nfuncs, d, k, ne = t < 4 ? 4 : 2;
	const char *const *e = t < 4 ? entry : entry + 4;

	fputs(threads[t], stdout);
	for (d = 0; d < ne; d++)
		printf(";%s", e[d]);
	for (d = ne + 1; d < depth; d++) {
		unsigned fanout = 2 + mix(fn, 1) % 5;
		uint64_t r = rng_next();

		/* Callee k with probability ~2^-(k+1): hot paths, and a long tail of rare ones. */
		for (k = 0; k + 1 < fanout && (r & 1); k++)
			r >>= 1;
		fn = mix(fn, 100 + k) % nfuncs;
		printf(";%s", names[fn]);
	}
	if (rng_next() % 3 == 0)
		for (k = rng_next() % 4; k < sizeof(kernel) / sizeof(*kernel); k++)
			printf(";%s", kernel[k]);
	printf(" %u\n", 1 + (unsigned)(rng_next() % 97));
}

int main(int argc, char **argv)
{
	unsigned long stacks = 1000000, nfuncs = 3000, i;
	char(*names)[NAME_MAX_LEN];
	int opt;

	rng_state = 42;
	while ((opt = getopt(argc, argv, "n:f:s:")) != -1) {
		char *end;
		unsigned long v = strtoul(optarg, &end, 10);

		if (*end || !*optarg)
			return usage();
		if (opt == 'n')
			stacks = v;
		else if (opt == 'f' && v > 0)
			nfuncs = v;
		else if (opt == 's')
			rng_state = v;
		else
			return usage();
	}
	names = malloc(nfuncs * sizeof(*names));
	if (!names) {
		fprintf(stderr, "gen-folded: out of memory\n");
		return 1;
	}
	for (i = 0; i < nfuncs; i++)
		name_make(names[i], i);
	for (i = 0; i < stacks; i++)
		stack_put(names, nfuncs);
	free(names);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "gen-folded: writing: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
