/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel symbols from /proc/kallsyms, for naming kernel addresses (stack frames) as "func+0x12".
 * kallsyms has no sizes: a symbol extends to the next higher address of the same module (or of
 * the core kernel); the last one of each has size 0 and names only its own address.
 */
#ifndef GP_KSYMS_H
#define GP_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct gp_ksym {
	uint64_t addr, size;
	const char *name;
	const char *module; /* "nf_tables", "bpf"; NULL for the core kernel */
	char type; /* nm letter: 'T' global text, 't' local text, 'D' data... */
};

struct gp_ksyms {
	size_t n;
	struct gp_ksym *syms; /* sorted by address; of aliases only the preferred name is kept */
	char *text; /* the names point into this copy of the input */
};

/*
 * Parse kallsyms text (pure): "ADDR TYPE NAME[\t[MODULE]]" lines. Absolute ('a', 'A') and
 * undefined ('U', 'u', 'w', 'v' at 0) symbols are dropped: their values are not kernel addresses.
 * Among aliases a global beats a local, then fewer leading underscores win. Returns 0, -EINVAL on
 * a malformed line, -ENOMEM.
 */
int ksyms_parse(const char *text, struct gp_ksyms **out);

/*
 * Load path (NULL: /proc/kallsyms). Returns 0, -EACCES when every address reads as 0 (the kernel
 * hides them: kptr_restrict or no CAP_SYSLOG), or -errno.
 */
int ksyms_load(const char *path, struct gp_ksyms **out);

/* The symbol containing addr, NULL if none. O(log n). */
const struct gp_ksym *ksyms_find(const struct gp_ksyms *ks, uint64_t addr);

/*
 * Name addr as "func", "func+0x12", or "func+0x12 [module]"; else the raw "0xffffffff81234567".
 * Writes a NUL-terminated name truncated to len. Returns 0 (symbol), 1 (raw address) or -EINVAL
 * for an empty buffer.
 */
int ksyms_name(const struct gp_ksyms *ks, uint64_t addr, char *buf, size_t len);

/* The core kernel's symbol called name, NULL if none. O(n): for the few looked up by name. */
const struct gp_ksym *ksyms_lookup(const struct gp_ksyms *ks, const char *name);

void ksyms_free(struct gp_ksyms *ks);

#endif /* GP_KSYMS_H */
