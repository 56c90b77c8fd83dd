// SPDX-License-Identifier: GPL-2.0
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "dwarfnames.h"
#include "hashmap.h"

#define DEBUG_ROOT "/usr/lib/debug"
/* Bounds on walks that malformed DWARF could make endless; real programs stay far below. */
#define MAX_SCOPE_DEPTH 16 /* namespaces, functions and blocks searched for variables */
#define MAX_TYPE_DEPTH 32 /* members and array elements descended into */
#define MAX_PEEL 16 /* typedefs and qualifiers around one type */
#define MAX_DIMS 8
#define CRC_CHUNK 8192

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

struct dw_obj {
	int err; /* remembered: -ENOENT without DWARF, -EIO when corrupt */
	int fd; /* owned, -1 once closed: a dup of the snapshot's fd or the debug file */
	Elf *elf;
	Dwarf *dbg;
	struct var *names; /* named variables by name */
	size_t nnames, capnames;
	struct var *addrs; /* VAR_ADDR variables by address */
	size_t naddrs;
};

struct gp_dwarfnames {
	pthread_mutex_t lock; /* guards objs and every libdw handle in it */
	struct gp_hashmap objs; /* (dev, ino) -> struct dw_obj */
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

/* ---- The objects: finding DWARF in the mapped file or its separate debug file ---- */

static bool elf_magic(int fd)
{
	unsigned char ident[SELFMAG];

	return pread(fd, ident, SELFMAG, 0) == SELFMAG && !memcmp(ident, ELFMAG, SELFMAG);
}

/* A .debug_info with contents: a debug file has NOBITS for the rest, a stripped file none. */
static bool elf_has_dwarf(Elf *elf)
{
	Elf_Scn *scn = NULL;
	const char *name;
	GElf_Shdr sh;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS || !sh.sh_size)
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && (!strcmp(name, ".debug_info") || !strcmp(name, ".zdebug_info")))
			return true;
	}
	return false;
}

/* Open an ELF file by path: regular files only (a FIFO in the way must not block us). */
static int elf_open(const char *path, int *fdp, Elf **elfp)
{
	struct stat st;
	Elf *elf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !elf_magic(fd)) {
		close(fd);
		return -ENOENT;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		elf_end(elf);
		close(fd);
		return -ENOENT;
	}
	*fdp = fd;
	*elfp = elf;
	return 0;
}

/* Small enough for the stack: only debuglink files of objects without a build ID are summed. */
static uint32_t file_crc(int fd)
{
	unsigned char chunk[CRC_CHUNK];
	uLong crc = crc32(0L, Z_NULL, 0);
	off_t pos = 0;
	ssize_t n;

	while ((n = pread(fd, chunk, sizeof(chunk), pos)) > 0) {
		crc = crc32(crc, chunk, (uInt)n);
		pos += n;
	}
	return (uint32_t)crc;
}

/*
 * A debug file is only as good as its match: the same build ID as the object, or for an object
 * without one the CRC that its .gnu_debuglink records.
 */
static bool debug_file_matches(int fd, Elf *elf, const void *id, ssize_t idlen, uint32_t crc)
{
	const void *cid;
	ssize_t clen;

	if (idlen > 0) {
		clen = dwelf_elf_gnu_build_id(elf, &cid);
		return clen == idlen && !memcmp(cid, id, (size_t)idlen);
	}
	return file_crc(fd) == crc;
}

static int debug_file_try(const char *path, const void *id, ssize_t idlen, uint32_t crc, int *fdp,
			  Elf **elfp)
{
	Elf *elf = NULL;
	int fd = -1, err;

	err = elf_open(path, &fd, &elf);
	if (err)
		return err == -ENOMEM || err == -EMFILE ? err : -ENOENT;
	if (elf_has_dwarf(elf) && debug_file_matches(fd, elf, id, idlen, crc)) {
		*fdp = fd;
		*elfp = elf;
		return 0;
	}
	elf_end(elf);
	close(fd);
	return -ENOENT;
}

static int build_id_path(const void *id, ssize_t idlen, char *path, size_t len)
{
	const unsigned char *b = id;
	size_t pos;

	pos = (size_t)snprintf(path, len, "%s/.build-id/%02x/", DEBUG_ROOT, b[0]);
	for (ssize_t i = 1; i < idlen && pos + 3 < len; i++)
		pos += (size_t)snprintf(path + pos, len - pos, "%02x", b[i]);
	return snprintf(path + pos, len - pos, ".debug") < (int)(len - pos) ? 0 : -ENAMETOOLONG;
}

/* The directory part of a mapping's path, without the " (deleted)" the kernel appends. */
static int mapping_dir(const struct gp_mapping *m, char *dir, size_t len)
{
	const char *slash = strrchr(m->path, '/');

	if (m->path[0] != '/' || !slash || (size_t)(slash - m->path) >= len)
		return -ENOENT;
	memcpy(dir, m->path, (size_t)(slash - m->path));
	dir[slash - m->path] = '\0';
	return 0;
}

static int debuglink_find(Elf *elf, const struct gp_mapping *m, const void *id, ssize_t idlen,
			  int *fdp, Elf **elfp)
{
	static const char *const fmts[] = {"%s/%s", "%s/.debug/%s", DEBUG_ROOT "%s/%s"};
	char dir[PATH_MAX], path[PATH_MAX];
	const char *link;
	GElf_Word crc;
	int err;

	link = dwelf_elf_gnu_debuglink(elf, &crc);
	if (!link || !*link || strchr(link, '/') || mapping_dir(m, dir, sizeof(dir)))
		return -ENOENT;
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		if (snprintf(path, sizeof(path), fmts[i], dir, link) >= (int)sizeof(path))
			continue;
		err = debug_file_try(path, id, idlen, crc, fdp, elfp);
		if (err != -ENOENT)
			return err;
	}
	return -ENOENT;
}

static int debug_file_find(Elf *elf, const struct gp_mapping *m, int *fdp, Elf **elfp)
{
	char path[PATH_MAX];
	const void *id = NULL;
	ssize_t idlen;
	int err;

	idlen = dwelf_elf_gnu_build_id(elf, &id);
	if (idlen > 0 && !build_id_path(id, idlen, path, sizeof(path))) {
		err = debug_file_try(path, id, idlen, 0, fdp, elfp);
		if (err != -ENOENT)
			return err;
	}
	return debuglink_find(elf, m, id, idlen, fdp, elfp);
}

/* The mapped file, through a dup of the snapshot's fd: the cache outlives snapshots. */
static int object_fd(const struct gp_mapping *m)
{
	int fd;

	if (m->fd < 0) {
		fd = mapping_open_path(m);
		return fd >= 0 || fd == -ENOMEM || fd == -EMFILE ? fd : -ENOENT;
	}
	fd = fcntl(m->fd, F_DUPFD_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

/* The ELF holding the object's DWARF: the mapped file itself (fd, consumed) or its debug file. */
static int dwarf_elf_open(const struct gp_mapping *m, int fd, int *fdp, Elf **elfp)
{
	Elf *elf = NULL;
	int err;

	if (elf_magic(fd))
		elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = -ENOENT;
		goto out;
	}
	if (elf_has_dwarf(elf)) {
		*fdp = fd;
		*elfp = elf;
		return 0;
	}
	err = debug_file_find(elf, m, fdp, elfp);
out:
	elf_end(elf);
	close(fd);
	return err;
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

static int vars_push(struct dw_obj *o, const struct var *v)
{
	struct var *n;
	size_t cap;

	if (o->nnames == o->capnames) {
		cap = o->capnames ? o->capnames * 2 : 256;
		n = realloc(o->names, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		o->names = n;
		o->capnames = cap;
	}
	o->names[o->nnames++] = *v;
	return 0;
}

/*
 * Inside functions only static variables count (locals have no address); extern declarations
 * and definitions without an address count at file scope, where they can stand in for a
 * definition that was compiled without -g.
 */
static int var_add(struct dw_obj *o, Dwarf_Die *die, bool in_function)
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
	return vars_push(o, &v);
}

static int scope_index(struct dw_obj *o, Dwarf_Die *scope, bool in_function, int depth)
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
			err = var_add(o, &c, in_function);
			break;
		case DW_TAG_namespace:
			err = scope_index(o, &c, in_function, depth + 1);
			break;
		case DW_TAG_subprogram:
		case DW_TAG_lexical_block:
			err = scope_index(o, &c, true, depth + 1);
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
static int vars_sort(struct dw_obj *o)
{
	size_t named = 0;

	for (size_t i = 0; i < o->nnames; i++)
		o->naddrs += o->names[i].kind == VAR_ADDR;
	o->addrs = calloc(o->naddrs ? o->naddrs : 1, sizeof(*o->addrs));
	if (!o->addrs)
		return -ENOMEM;
	o->naddrs = 0;
	for (size_t i = 0; i < o->nnames; i++) {
		if (o->names[i].kind == VAR_ADDR)
			o->addrs[o->naddrs++] = o->names[i];
		if (o->names[i].name)
			o->names[named++] = o->names[i];
	}
	o->nnames = named;
	qsort(o->addrs, o->naddrs, sizeof(*o->addrs), var_addr_cmp);
	qsort(o->names, o->nnames, sizeof(*o->names), var_name_cmp);
	return 0;
}

static int vars_index(struct dw_obj *o)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	uint8_t type;
	int rc, err;

	while ((rc = dwarf_get_units(o->dbg, cu, &cu, NULL, &type, &cudie, NULL)) == 0) {
		if (type != DW_UT_compile && type != DW_UT_partial)
			continue;
		err = scope_index(o, &cudie, false, 0);
		if (err)
			return err;
	}
	if (rc < 0)
		return -EIO;
	return vars_sort(o);
}

/* First entry whose address is not below addr. */
static size_t addrs_lower(const struct dw_obj *o, uint64_t addr)
{
	size_t lo = 0, hi = o->naddrs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (o->addrs[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t names_lower(const struct dw_obj *o, const char *name)
{
	size_t lo = 0, hi = o->nnames;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(o->names[mid].name, name) < 0)
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
static const struct var *var_by_name(const struct dw_obj *o, const char *sym)
{
	const struct var *def = NULL, *decl = NULL;

	for (size_t i = names_lower(o, sym); i < o->nnames && !strcmp(o->names[i].name, sym); i++) {
		switch (o->names[i].kind) {
		case VAR_ADDR:
			return NULL;
		case VAR_NOADDR:
			if (def)
				return NULL;
			def = &o->names[i];
			break;
		case VAR_DECL:
			if (!decl)
				decl = &o->names[i];
			break;
		}
	}
	return def ? def : decl;
}

/* Aliases share an address: prefer the one that the symbol names. */
static const struct var *var_find(const struct dw_obj *o, const char *sym, uint64_t addr)
{
	const struct var *first = NULL;

	for (size_t i = addrs_lower(o, addr); i < o->naddrs && o->addrs[i].addr == addr; i++) {
		if (o->addrs[i].name && !strcmp(o->addrs[i].name, sym))
			return &o->addrs[i];
		if (!first)
			first = &o->addrs[i];
	}
	return first ? first : var_by_name(o, sym);
}

/* Give back what an object holds, keeping what is remembered about it (err). */
static void dw_obj_release(struct dw_obj *o)
{
	dwarf_end(o->dbg);
	elf_end(o->elf);
	if (o->fd >= 0)
		close(o->fd);
	free(o->names);
	free(o->addrs);
	*o = (struct dw_obj){.err = o->err, .fd = -1};
}

/* Open and index an object from its fd (consumed). */
static int dw_obj_open(struct dw_obj *o, const struct gp_mapping *m, int fd)
{
	int err;

	err = dwarf_elf_open(m, fd, &o->fd, &o->elf);
	if (err)
		return err;
	o->dbg = dwarf_begin_elf(o->elf, DWARF_C_READ, NULL);
	if (!o->dbg)
		return -EIO;
	return vars_index(o);
}

/*
 * The cached object of m: 0 and *out, or its remembered error. A file that cannot be reached is
 * not remembered (a later snapshot may hold it open), nor is running out of memory or fds.
 */
static int dw_obj_get(struct gp_dwarfnames *d, const struct gp_mapping *m,
		      const struct dw_obj **out)
{
	struct dw_obj *o = hashmap_get(&d->objs, m->dev, m->ino);
	int fd, err;

	if (o)
		goto done;
	fd = object_fd(m);
	if (fd < 0)
		return fd;
	o = calloc(1, sizeof(*o));
	if (!o) {
		close(fd);
		return -ENOMEM;
	}
	o->fd = -1;
	o->err = dw_obj_open(o, m, fd);
	if (o->err)
		dw_obj_release(o);
	err = o->err;
	if (err == -ENOMEM || err == -EMFILE)
		goto fail;
	err = hashmap_put(&d->objs, m->dev, m->ino, o);
	if (err)
		goto fail;
done:
	*out = o;
	return o->err;
fail:
	dw_obj_release(o);
	free(o);
	return err;
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
			return 0;
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
			return 0;
	}
	return 0;
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
	const struct dw_obj *o;
	const struct var *v;
	int err;

	if (!buf || !len || !sym)
		return -EINVAL;
	buf[0] = '\0';
	if (!mapping_is_file(m))
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	err = dw_obj_get(d, m, &o);
	if (!err) {
		v = var_find(o, sym, sym_addr);
		err = v ? var_describe(o->dbg, v, sym, off, buf, len) : -ENOENT;
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
	hashmap_init(&d->objs);
	return d;
}

void dwarfnames_free(struct gp_dwarfnames *d)
{
	struct gp_hkey key;
	void *val;

	if (!d)
		return;
	for (size_t pos = 0; hashmap_next(&d->objs, &pos, &key, &val);) {
		dw_obj_release(val);
		free(val);
	}
	hashmap_free(&d->objs);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
