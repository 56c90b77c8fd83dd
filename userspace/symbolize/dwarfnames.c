// SPDX-License-Identifier: GPL-2.0
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <inttypes.h>
#include <libelf.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/dwarfnames.h"
#include "symbolize/dwarfobj.h"
#include "util/sorted.h"
#include "util/vec.h"

/* Bounds on walks that malformed DWARF could make endless; real programs stay far below. */
#define MAX_SCOPE_DEPTH 16 /* namespaces, functions and blocks searched for variables */
#define MAX_TYPE_DEPTH 32 /* members and array elements descended into */
#define MAX_PEEL 16 /* typedefs and qualifiers around one type */
#define MAX_DIMS 8

enum var_kind {
	VAR_ADDR, /* a definition at a known address */
	VAR_NOADDR, /* a definition whose address DWARF does not give */
	VAR_DECL, /* an extern declaration at file or namespace scope */
};

struct var {
	const char *name; /* linkage name, else DW_AT_name; points into the Dwarf's data */
	uint64_t addr; /* VAR_ADDR only */
	Dwarf_Off die;
	enum var_kind kind;
};

/* The variables of one object, as dwarfobj.h keeps them beside its DWARF. */
struct var_index {
	struct var *names; /* named variables by name */
	size_t nnames, capnames;
	struct var *addrs; /* VAR_ADDR variables by address */
	size_t naddrs;
};

struct gp_dwarfnames {
	pthread_mutex_t lock; /* guards objs and every libdw handle in it */
	struct gp_dwarfobjs objs; /* indexed by struct var_index */
};

/* A name being appended to; truncation is silent, as in symbols.c. */
struct namebuf {
	char *buf;
	size_t len, pos;
};

__attribute__((format(printf, 2, 3))) static void namebuf_add(struct namebuf *nb, const char *fmt,
							      ...)
{
	va_list ap;
	int n;

	if (nb->pos + 1 >= nb->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(nb->buf + nb->pos, nb->len - nb->pos, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	nb->pos = (size_t)n < nb->len - nb->pos ? nb->pos + (size_t)n : nb->len - 1;
}

static bool type_of(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute a;

	return dwarf_attr_integrate(die, DW_AT_type, &a) && dwarf_formref_die(&a, out);
}

static bool udata_of(Dwarf_Die *die, unsigned int at, uint64_t *out)
{
	Dwarf_Attribute a;
	Dwarf_Word w;

	if (!dwarf_attr_integrate(die, at, &a) || dwarf_formudata(&a, &w))
		return false;
	*out = w;
	return true;
}

static const char *string_of(Dwarf_Die *die, unsigned int at)
{
	Dwarf_Attribute a;

	return dwarf_attr_integrate(die, at, &a) ? dwarf_formstring(&a) : NULL;
}

/* ---- The variable index ---- */

enum loc_kind {
	LOC_ADDR, /* static storage at a known address */
	LOC_TLS, /* thread-local: an offset, not an address */
	LOC_OTHER, /* no location, or one that is no constant address */
};

static bool op_is_tls(const Dwarf_Op *op)
{
	return op->atom == DW_OP_form_tls_address || op->atom == DW_OP_GNU_push_tls_address;
}

/* DW_OP_addr or DW_OP_addrx, then optionally DW_OP_plus_uconst for a variable placed in a block. */
static enum loc_kind var_loc(Dwarf_Die *die, uint64_t *addr)
{
	Dwarf_Attribute a, ra;
	Dwarf_Addr base;
	Dwarf_Op *ops;
	size_t n;

	if (!dwarf_attr(die, DW_AT_location, &a) || dwarf_getlocation(&a, &ops, &n) || !n)
		return LOC_OTHER;
	for (size_t i = 0; i < n; i++)
		if (op_is_tls(&ops[i]))
			return LOC_TLS;
	switch (ops[0].atom) {
	case DW_OP_addr:
		base = ops[0].number;
		break;
	case DW_OP_addrx:
	case DW_OP_GNU_addr_index:
		if (dwarf_getlocation_attr(&a, &ops[0], &ra) || dwarf_formaddr(&ra, &base))
			return LOC_OTHER;
		break;
	default:
		return LOC_OTHER;
	}
	if (n == 2 && ops[1].atom == DW_OP_plus_uconst)
		base += ops[1].number;
	else if (n != 1)
		return LOC_OTHER;
	*addr = base;
	return LOC_ADDR;
}

/* The name an ELF symbol of the variable carries: C++ mangles it, C does not. */
static const char *var_name(Dwarf_Die *die)
{
	const char *name = string_of(die, DW_AT_linkage_name);

	if (!name)
		name = string_of(die, DW_AT_MIPS_linkage_name);
	return name ? name : string_of(die, DW_AT_name);
}

static int vars_push(struct var_index *vi, const struct var *v)
{
	if (vec_reserve((void **)&vi->names, &vi->capnames, vi->nnames, sizeof(*vi->names), 256))
		return -ENOMEM;
	vi->names[vi->nnames++] = *v;
	return 0;
}

/*
 * Inside functions only static variables count (locals have no address); extern declarations
 * and definitions without an address count at file scope, where they can stand in for a
 * definition that was compiled without -g.
 */
static int var_add(struct var_index *vi, Dwarf_Die *die, bool in_function)
{
	struct var v = {.die = dwarf_dieoffset(die)};
	Dwarf_Die type;

	if (!type_of(die, &type))
		return 0;
	v.name = var_name(die);
	if (dwarf_hasattr(die, DW_AT_declaration)) {
		v.kind = VAR_DECL;
	} else {
		switch (var_loc(die, &v.addr)) {
		case LOC_ADDR:
			v.kind = VAR_ADDR;
			break;
		case LOC_TLS:
			return 0;
		case LOC_OTHER:
			v.kind = VAR_NOADDR;
			break;
		}
	}
	if (v.kind != VAR_ADDR && (in_function || dwarf_hasattr(die, DW_AT_const_value)))
		return 0;
	if (!v.name && v.kind != VAR_ADDR)
		return 0;
	return vars_push(vi, &v);
}

static int scope_index(struct var_index *vi, Dwarf_Die *scope, bool in_function, int depth)
{
	Dwarf_Die c;
	int rc, err;

	if (depth > MAX_SCOPE_DEPTH)
		return 0;
	rc = dwarf_child(scope, &c);
	if (rc)
		return rc < 0 ? -EIO : 0;
	do {
		switch (dwarf_tag(&c)) {
		case DW_TAG_variable:
			err = var_add(vi, &c, in_function);
			break;
		case DW_TAG_namespace:
			err = scope_index(vi, &c, in_function, depth + 1);
			break;
		case DW_TAG_subprogram:
		case DW_TAG_lexical_block:
			err = scope_index(vi, &c, true, depth + 1);
			break;
		default:
			err = 0;
			break;
		}
		if (err)
			return err;
	} while ((rc = dwarf_siblingof(&c, &c)) == 0);
	return rc < 0 ? -EIO : 0;
}

static int var_addr_cmp(const void *a, const void *b)
{
	const struct var *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->die < y->die ? -1 : x->die > y->die;
}

static int var_name_cmp(const void *a, const void *b)
{
	const struct var *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->die < y->die ? -1 : x->die > y->die;
}

/* Split the variables found into the address index and the name index. */
static int vars_sort(struct var_index *vi)
{
	size_t named = 0;

	for (size_t i = 0; i < vi->nnames; i++)
		vi->naddrs += vi->names[i].kind == VAR_ADDR;
	vi->addrs = calloc(vi->naddrs ? vi->naddrs : 1, sizeof(*vi->addrs));
	if (!vi->addrs)
		return -ENOMEM;
	vi->naddrs = 0;
	for (size_t i = 0; i < vi->nnames; i++) {
		if (vi->names[i].kind == VAR_ADDR)
			vi->addrs[vi->naddrs++] = vi->names[i];
		if (vi->names[i].name)
			vi->names[named++] = vi->names[i];
	}
	vi->nnames = named;
	qsort(vi->addrs, vi->naddrs, sizeof(*vi->addrs), var_addr_cmp);
	qsort(vi->names, vi->nnames, sizeof(*vi->names), var_name_cmp);
	return 0;
}

static int vars_index(void *index, Dwarf *dbg)
{
	struct var_index *vi = index;
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	uint8_t type;
	int rc, err;

	while ((rc = dwarf_get_units(dbg, cu, &cu, NULL, &type, &cudie, NULL)) == 0) {
		if (type != DW_UT_compile && type != DW_UT_partial)
			continue;
		err = scope_index(vi, &cudie, false, 0);
		if (err)
			return err;
	}
	if (rc < 0)
		return -EIO;
	return vars_sort(vi);
}

static void vars_release(void *index)
{
	struct var_index *vi = index;

	free(vi->names);
	free(vi->addrs);
}

static const struct dwarfobj_ops vars_ops = {
	.index_size = sizeof(struct var_index),
	.index_build = vars_index,
	.index_release = vars_release,
};

/* First entry whose address is not below addr. */
static size_t addrs_lower(const struct var_index *vi, uint64_t addr)
{
	return sorted_bound(vi->addrs, vi->naddrs, sizeof(*vi->addrs), offsetof(struct var, addr),
			    addr, false);
}

static size_t names_lower(const struct var_index *vi, const char *name)
{
	size_t lo = 0, hi = vi->nnames;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(vi->names[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * By name, when the name is one variable: no definition of it has an address (that one would be
 * a different variable, since it is not at sym_addr), at most one definition lacks one, and any
 * number of extern declarations of it agree.
 */
static const struct var *var_by_name(const struct var_index *vi, const char *sym)
{
	const struct var *def = NULL, *decl = NULL;

	for (size_t i = names_lower(vi, sym); i < vi->nnames && !strcmp(vi->names[i].name, sym);
	     i++) {
		switch (vi->names[i].kind) {
		case VAR_ADDR:
			return NULL;
		case VAR_NOADDR:
			if (def)
				return NULL;
			def = &vi->names[i];
			break;
		case VAR_DECL:
			if (!decl)
				decl = &vi->names[i];
			break;
		}
	}
	return def ? def : decl;
}

/* Aliases share an address: prefer the one that the symbol names. */
static const struct var *var_find(const struct var_index *vi, const char *sym, uint64_t addr)
{
	const struct var *first = NULL;

	for (size_t i = addrs_lower(vi, addr); i < vi->naddrs && vi->addrs[i].addr == addr; i++) {
		if (vi->addrs[i].name && !strcmp(vi->addrs[i].name, sym))
			return &vi->addrs[i];
		if (!first)
			first = &vi->addrs[i];
	}
	return first ? first : var_by_name(vi, sym);
}

/* ---- Naming a word by the members that contain it ---- */

static bool path_is_system(const char *file)
{
	static const char *const dirs[] = {"/usr/include/", "/usr/local/include/", "/usr/lib/gcc/",
					   "/lib/clang/"};

	for (size_t i = 0; file && i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (strstr(file, dirs[i]))
			return true;
	return false;
}

/* A struct, class or typedef whose insides are the C library's or the compiler's business. */
static bool type_is_opaque(Dwarf_Die *type)
{
	const char *name = string_of(type, DW_AT_name);

	if (name && (!strncmp(name, "pthread_", 8) || !strncmp(name, "__pthread_", 10)))
		return true;
	return path_is_system(dwarf_decl_file(type));
}

static bool tag_is_qualifier(int tag)
{
	switch (tag) {
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
	case DW_TAG_immutable_type:
	case DW_TAG_packed_type:
	case DW_TAG_shared_type:
		return true;
	default:
		return false;
	}
}

/* Strip qualifiers and typedefs. False when the walk ends here: an opaque typedef, no type. */
static bool type_peel(Dwarf_Die *type)
{
	int tag;

	for (int i = 0; i < MAX_PEEL; i++) {
		tag = dwarf_tag(type);
		if (tag == DW_TAG_typedef && type_is_opaque(type))
			return false;
		if (tag != DW_TAG_typedef && !tag_is_qualifier(tag))
			return true;
		if (!type_of(type, type))
			return false;
	}
	return false;
}

/* Size of a type, UINT64_MAX when unknown (a flexible array member reaches to the end). */
static uint64_t type_size(Dwarf_Die *type)
{
	Dwarf_Word size;

	return dwarf_aggregate_size(type, &size) ? UINT64_MAX : size;
}

/* The bytes [start, end) a member occupies in its struct. False for a non-constant location. */
static bool member_range(Dwarf_Die *member, uint64_t *start, uint64_t *end)
{
	Dwarf_Attribute a;
	uint64_t bits, nbits, size;
	Dwarf_Die type;
	Dwarf_Op *ops;
	size_t n;

	if (udata_of(member, DW_AT_data_bit_offset, &bits) &&
	    udata_of(member, DW_AT_bit_size, &nbits)) {
		*start = bits / 8;
		*end = (bits + nbits + 7) / 8;
		return true;
	}
	*start = 0;
	if (dwarf_attr(member, DW_AT_data_member_location, &a) &&
	    !udata_of(member, DW_AT_data_member_location, start)) {
		/* DWARF 2 spelled the offset as an expression. */
		if (dwarf_getlocation(&a, &ops, &n) || n != 1 || ops[0].atom != DW_OP_plus_uconst)
			return false;
		*start = ops[0].number;
	}
	size = type_of(member, &type) ? type_size(&type) : UINT64_MAX;
	*end = size > UINT64_MAX - *start ? UINT64_MAX : *start + size;
	return true;
}

/*
 * The member of a struct holding offset off: 0 with the member and its start, -ENOENT when off is
 * in padding. Static members (C++) are declarations and take no room.
 */
static int member_find(Dwarf_Die *st, uint64_t off, Dwarf_Die *member, uint64_t *start)
{
	uint64_t end;
	int tag, rc;

	rc = dwarf_child(st, member);
	while (rc == 0) {
		tag = dwarf_tag(member);
		if ((tag == DW_TAG_member || tag == DW_TAG_inheritance) &&
		    !dwarf_hasattr(member, DW_AT_declaration) &&
		    member_range(member, start, &end) && *start <= off && off < end)
			return 0;
		rc = dwarf_siblingof(member, member);
	}
	return rc < 0 ? -EIO : -ENOENT;
}

static bool subrange_count(Dwarf_Die *sub, int64_t lower, uint64_t *count)
{
	Dwarf_Attribute a;
	Dwarf_Sword upper;

	if (udata_of(sub, DW_AT_count, count))
		return true;
	if (!dwarf_attr_integrate(sub, DW_AT_upper_bound, &a) || dwarf_formsdata(&a, &upper) ||
	    upper < lower)
		return false;
	*count = (uint64_t)(upper - lower) + 1;
	return true;
}

static int64_t subrange_lower(Dwarf_Die *sub)
{
	Dwarf_Attribute a;
	Dwarf_Sword lower = 0;
	Dwarf_Die cu;

	if (dwarf_attr_integrate(sub, DW_AT_lower_bound, &a)) {
		if (dwarf_formsdata(&a, &lower))
			lower = 0;
		return lower;
	}
	if (!dwarf_diecu(sub, &cu, NULL, NULL) ||
	    dwarf_default_lower_bound(dwarf_srclang(&cu), &lower))
		lower = 0;
	return lower;
}

struct array_dims {
	size_t n;
	int64_t lower[MAX_DIMS];
	uint64_t count[MAX_DIMS]; /* count[0] may be unknown: an array of unspecified size */
	bool known0;
};

static bool array_dims_read(Dwarf_Die *arr, struct array_dims *dims)
{
	Dwarf_Die sub;
	bool known;
	int rc;

	*dims = (struct array_dims){0};
	rc = dwarf_child(arr, &sub);
	for (; rc == 0; rc = dwarf_siblingof(&sub, &sub)) {
		if (dwarf_tag(&sub) != DW_TAG_subrange_type)
			continue;
		if (dims->n == MAX_DIMS)
			return false;
		dims->lower[dims->n] = subrange_lower(&sub);
		known = subrange_count(&sub, dims->lower[dims->n], &dims->count[dims->n]);
		/* Only the outermost dimension may be open: the others set the strides. */
		if (dims->n == 0)
			dims->known0 = known;
		else if (!known || !dims->count[dims->n])
			return false;
		dims->n++;
	}
	return rc >= 0 && dims->n;
}

/* "[i][j]" for offset *off into an array; *off becomes the offset into the element, *elem. */
static bool array_step(Dwarf_Die *arr, uint64_t *off, Dwarf_Die *elem, struct namebuf *nb)
{
	struct array_dims dims;
	uint64_t stride[MAX_DIMS], esize, idx;

	if (!type_of(arr, elem) || !array_dims_read(arr, &dims))
		return false;
	if (!udata_of(arr, DW_AT_byte_stride, &esize))
		esize = type_size(elem);
	if (!esize || esize == UINT64_MAX)
		return false;
	stride[dims.n - 1] = esize;
	for (size_t k = dims.n - 1; k > 0; k--) {
		if (stride[k] > UINT64_MAX / dims.count[k])
			return false;
		stride[k - 1] = stride[k] * dims.count[k];
	}
	for (size_t k = 0; k < dims.n; k++) {
		idx = *off / stride[k];
		if ((k > 0 || dims.known0) && idx >= dims.count[k])
			return false;
		namebuf_add(nb, "[%" PRId64 "]", dims.lower[k] + (int64_t)idx);
		*off %= stride[k];
	}
	return true;
}

/* The walk ends at a leaf: a word inside it, not at its start, is told apart by its offset. */
static int leaf_end(struct namebuf *nb, uint64_t off)
{
	if (off)
		namebuf_add(nb, "+0x%" PRIx64, off);
	return 0;
}

/* Append the member path of offset off inside type. */
static int type_walk(Dwarf_Die *type, uint64_t off, struct namebuf *nb)
{
	Dwarf_Die t = *type, member, elem;
	const char *name;
	uint64_t start;
	int tag, err;

	for (int depth = 0; depth < MAX_TYPE_DEPTH && type_peel(&t); depth++) {
		tag = dwarf_tag(&t);
		if (tag == DW_TAG_array_type) {
			if (!array_step(&t, &off, &elem, nb))
				return 0;
			t = elem;
			continue;
		}
		if ((tag != DW_TAG_structure_type && tag != DW_TAG_class_type) ||
		    dwarf_hasattr(&t, DW_AT_declaration) || type_is_opaque(&t))
			return leaf_end(nb, off);
		err = member_find(&t, off, &member, &start);
		if (err == -ENOENT) {
			namebuf_add(nb, "+0x%" PRIx64, off);
			return 0;
		}
		if (err)
			return err;
		name = dwarf_tag(&member) == DW_TAG_member ? string_of(&member, DW_AT_name) : NULL;
		if (name)
			namebuf_add(nb, ".%s", name);
		off -= start;
		if (!type_of(&member, &t))
			return leaf_end(nb, off);
	}
	return leaf_end(nb, off);
}

static int var_describe(Dwarf *dbg, const struct var *v, const char *sym, uint64_t off, char *buf,
			size_t len)
{
	struct namebuf nb = {.buf = buf, .len = len};
	Dwarf_Die die, type;

	if (!dwarf_offdie(dbg, v->die, &die) || !type_of(&die, &type))
		return -EIO;
	if (off >= type_size(&type))
		return -ENOENT;
	namebuf_add(&nb, "%s", sym);
	return type_walk(&type, off, &nb);
}

int dwarfnames_member(struct gp_dwarfnames *d, const struct gp_mapping *m, const char *sym,
		      uint64_t sym_addr, uint64_t off, char *buf, size_t len)
{
	const struct var *v;
	void *index;
	Dwarf *dbg;
	int err;

	if (!buf || !len || !sym)
		return -EINVAL;
	buf[0] = '\0';
	if (!mapping_is_file(m))
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	err = dwarfobjs_get(&d->objs, m, &dbg, &index);
	if (!err) {
		v = var_find(index, sym, sym_addr);
		err = v ? var_describe(dbg, v, sym, off, buf, len) : -ENOENT;
	}
	pthread_mutex_unlock(&d->lock);
	if (err)
		buf[0] = '\0';
	return err;
}

struct gp_dwarfnames *dwarfnames_new(void)
{
	struct gp_dwarfnames *d;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	if (pthread_mutex_init(&d->lock, NULL)) {
		free(d);
		return NULL;
	}
	dwarfobjs_init(&d->objs, &vars_ops);
	return d;
}

void dwarfnames_free(struct gp_dwarfnames *d)
{
	if (!d)
		return;
	dwarfobjs_release(&d->objs);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
