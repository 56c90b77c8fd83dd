// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "symbolize/debugfile.h"
#include "symbolize/demangle.h"
#include "symbolize/elffile.h"
#include "util/sorted.h"
#include "symbolize/symbols.h"

#define CACHE_BUCKETS 512
#define DELETED_SUFFIX " (deleted)"

struct symrec {
	uint64_t addr, size;
	uint64_t max_end; /* highest addr + size of this entry and every earlier one */
	const char *name;
	uint32_t shndx;
	bool local;
};

struct symtab {
	struct symrec *syms; /* by address, then size descending; aliases removed */
	size_t n;
};

struct section {
	const char *name;
	uint64_t addr, size;
	bool alloc;
};

/*
 * Everything needed from one ELF file, copied out so that no libelf handle or fd stays open and
 * lookups need no locking once the object is in the cache.
 */
struct elf_obj {
	struct elf_obj *next;
	uint64_t dev, ino;
	int err; /* a failed read is remembered, not retried: -ENOEXEC (not ELF) or -EIO */
	struct gp_load_seg *segs;
	size_t nsegs;
	struct section *sects; /* indexed by section number */
	size_t nsects;
	struct symtab data, code;
	char *symstr, *secstr; /* string tables the names point into */
};

struct gp_symbolizer {
	pthread_mutex_t lock; /* guards buckets; a cached elf_obj is immutable */
	uint64_t pagesz;
	struct elf_obj *buckets[CACHE_BUCKETS];
};

typedef int (*sym_lookup_fn)(struct gp_symbolizer *s, const struct gp_mapping *m, uint64_t vaddr,
			     struct gp_sym *out);

static uint64_t page_down(uint64_t x, uint64_t pagesz)
{
	return x & ~(pagesz - 1);
}

/* The loader maps a segment from the page holding its first byte up to its last file byte. */
static bool seg_holds(const struct gp_load_seg *seg, const struct gp_mapping *m, uint64_t pagesz)
{
	return seg->filesz && m->prot && page_down(seg->offset, pagesz) <= m->pgoff &&
	       m->pgoff < seg->offset + seg->filesz;
}

static uint64_t seg_bias(const struct gp_load_seg *seg, const struct gp_mapping *m)
{
	return m->start - m->pgoff + seg->offset - seg->vaddr;
}

static size_t bias_votes(const struct gp_load_seg *segs, size_t nsegs,
			 const struct gp_mapping *maps, size_t nmaps, uint64_t pagesz,
			 uint64_t bias)
{
	size_t votes = 0;

	for (size_t j = 0; j < nmaps; j++) {
		for (size_t k = 0; k < nsegs; k++) {
			if (seg_holds(&segs[k], &maps[j], pagesz) &&
			    seg_bias(&segs[k], &maps[j]) == bias) {
				votes++;
				break;
			}
		}
	}
	return votes;
}

int loadbias_compute(const struct gp_load_seg *segs, size_t nsegs, const struct gp_mapping *maps,
		     size_t nmaps, uint64_t pagesz, uint64_t *bias)
{
	size_t score, best = 0;
	uint64_t b;
	bool x_match;

	for (size_t j = 0; j < nmaps; j++) {
		for (size_t k = 0; k < nsegs; k++) {
			if (!seg_holds(&segs[k], &maps[j], pagesz))
				continue;
			b = seg_bias(&segs[k], &maps[j]);
			x_match = !(segs[k].flags & PF_X) == !(maps[j].prot & PROT_EXEC);
			score = bias_votes(segs, nsegs, maps, nmaps, pagesz, b) * 2 + x_match;
			if (score > best) {
				best = score;
				*bias = b;
			}
		}
	}
	return best ? 0 : -ENOENT;
}

static unsigned int leading_underscores(const char *s)
{
	unsigned int n = 0;

	while (s[n] == '_')
		n++;
	return n;
}

/* By address, then larger first (so walking back meets the innermost), then the preferred alias. */
static int symrec_cmp(const void *a, const void *b)
{
	const struct symrec *x = a, *y = b;
	unsigned int ux, uy;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	if (x->local != y->local)
		return x->local ? 1 : -1;
	ux = leading_underscores(x->name);
	uy = leading_underscores(y->name);
	if (ux != uy)
		return ux < uy ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void symtab_finish(struct symtab *t)
{
	struct symrec *syms;
	uint64_t max_end = 0;
	size_t n = 0;

	if (!t->n)
		return;
	qsort(t->syms, t->n, sizeof(*t->syms), symrec_cmp);
	for (size_t i = 0; i < t->n; i++) {
		if (n && t->syms[n - 1].addr == t->syms[i].addr &&
		    t->syms[n - 1].size == t->syms[i].size)
			continue;
		t->syms[n] = t->syms[i];
		if (t->syms[n].addr + t->syms[n].size > max_end)
			max_end = t->syms[n].addr + t->syms[n].size;
		t->syms[n++].max_end = max_end;
	}
	t->n = n;
	syms = realloc(t->syms, n * sizeof(*syms));
	if (syms)
		t->syms = syms;
}

/* Number of entries starting at or below a. */
static size_t symtab_upper(const struct symtab *t, uint64_t a)
{
	return sorted_bound(t->syms, t->n, sizeof(*t->syms), offsetof(struct symrec, addr), a,
			    true);
}

static const struct symrec *symtab_find(const struct symtab *t, uint64_t a)
{
	/* max_end bounds the walk: no earlier entry reaches a once it is <= a. */
	for (size_t i = symtab_upper(t, a); i-- > 0 && t->syms[i].max_end > a;)
		if (a - t->syms[i].addr < t->syms[i].size)
			return &t->syms[i];
	return NULL;
}

static bool section_contains(const struct elf_obj *o, uint32_t shndx, uint64_t a)
{
	const struct section *sec;

	if (shndx >= o->nsects)
		return false;
	sec = &o->sects[shndx];
	return sec->alloc && a >= sec->addr && a - sec->addr < sec->size;
}

/*
 * An unsized function symbol names what follows it, but only when it is the closest symbol below
 * the address and in the same section: a sized function ending before the address means padding.
 */
static const struct symrec *label_find(const struct elf_obj *o, uint64_t a)
{
	const struct symtab *t = &o->code;
	size_t i = symtab_upper(t, a), first;

	if (!i || t->syms[i - 1].size)
		return NULL;
	for (first = i - 1; first > 0 && t->syms[first - 1].addr == t->syms[i - 1].addr; first--)
		;
	if (t->syms[first].size || !section_contains(o, t->syms[i - 1].shndx, a))
		return NULL;
	return &t->syms[i - 1];
}

/* A copy of a string table with a NUL appended, so that every in-range offset is a C string. */
static int strtab_copy(Elf *elf, size_t ndx, char **out, size_t *len)
{
	Elf_Scn *scn = elf_getscn(elf, ndx);
	Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
	size_t n = d && d->d_buf ? d->d_size : 0;
	char *buf;

	if (!scn)
		return -EIO;
	buf = malloc(n + 1);
	if (!buf)
		return -ENOMEM;
	if (n)
		memcpy(buf, d->d_buf, n);
	buf[n] = '\0';
	*out = buf;
	*len = n + 1;
	return 0;
}

static const char *strtab_at(const char *tab, size_t len, size_t off)
{
	return off < len ? tab + off : "";
}

/* .symtab spells versioned symbols "stdout@GLIBC_2.2.5" (copy relocations): C names hold no '@'. */
static const char *symname_at(char *tab, size_t len, size_t off)
{
	char *at;

	if (off >= len)
		return "";
	at = strchr(tab + off, '@');
	if (at)
		*at = '\0';
	return tab + off;
}

static int segs_read(struct elf_obj *o, Elf *elf)
{
	GElf_Phdr ph;
	size_t n;

	if (elf_getphdrnum(elf, &n))
		return -EIO;
	o->segs = calloc(n ? n : 1, sizeof(*o->segs));
	if (!o->segs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph))
			return -EIO;
		if (ph.p_type != PT_LOAD)
			continue;
		o->segs[o->nsegs++] = (struct gp_load_seg){
			.vaddr = ph.p_vaddr,
			.memsz = ph.p_memsz,
			.offset = ph.p_offset,
			.filesz = ph.p_filesz,
			.flags = ph.p_flags,
		};
	}
	return 0;
}

static int sections_read(struct elf_obj *o, Elf *elf)
{
	size_t n, shstrndx, len;
	GElf_Shdr sh;
	Elf_Scn *scn;
	int err;

	if (elf_getshdrnum(elf, &n))
		return -EIO;
	if (!n)
		return 0;
	if (elf_getshdrstrndx(elf, &shstrndx))
		return -EIO;
	err = strtab_copy(elf, shstrndx, &o->secstr, &len);
	if (err)
		return err;
	o->sects = calloc(n, sizeof(*o->sects));
	if (!o->sects)
		return -ENOMEM;
	o->nsects = n;
	for (size_t i = 0; i < n; i++) {
		scn = elf_getscn(elf, i);
		if (!scn || !gelf_getshdr(scn, &sh))
			return -EIO;
		o->sects[i] = (struct section){
			.name = strtab_at(o->secstr, len, sh.sh_name),
			.addr = sh.sh_addr,
			.size = sh.sh_size,
			.alloc = sh.sh_flags & SHF_ALLOC,
		};
	}
	return 0;
}

/* .symtab is a superset of .dynsym when the file was not stripped. */
static Elf_Scn *symscn_find(Elf *elf, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL, *dyn = NULL;
	GElf_Shdr tmp;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &tmp))
			continue;
		if (tmp.sh_type == SHT_SYMTAB) {
			*sh = tmp;
			return scn;
		}
		if (tmp.sh_type == SHT_DYNSYM && !dyn) {
			*sh = tmp;
			dyn = scn;
		}
	}
	return dyn;
}

static bool symtab_present(Elf *elf)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			return true;
	}
	return false;
}

static struct symtab *sym_table(struct elf_obj *o, const GElf_Sym *sym)
{
	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx == SHN_ABS || !sym->st_name)
		return NULL;
	switch (GELF_ST_TYPE(sym->st_info)) {
	case STT_OBJECT:
	case STT_COMMON:
		return sym->st_size ? &o->data : NULL;
	case STT_FUNC:
	case STT_GNU_IFUNC:
		return &o->code;
	default:
		return NULL;
	}
}

static int symbols_read(struct elf_obj *o, Elf *elf)
{
	size_t count, len, esize;
	const char *name;
	struct symtab *t;
	Elf_Data *d;
	GElf_Shdr sh;
	GElf_Sym sym;
	Elf_Scn *scn;
	int err;

	scn = symscn_find(elf, &sh);
	if (!scn)
		return 0;
	d = elf_getdata(scn, NULL);
	esize = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT);
	if (!esize)
		return -EIO;
	count = d ? d->d_size / esize : 0;
	err = strtab_copy(elf, sh.sh_link, &o->symstr, &len);
	if (err)
		return err;
	o->data.syms = calloc(count ? count : 1, sizeof(*o->data.syms));
	o->code.syms = calloc(count ? count : 1, sizeof(*o->code.syms));
	if (!o->data.syms || !o->code.syms)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		if (!gelf_getsym(d, (int)i, &sym))
			return -EIO;
		t = sym_table(o, &sym);
		name = symname_at(o->symstr, len, sym.st_name);
		if (!t || !*name)
			continue;
		t->syms[t->n++] = (struct symrec){
			.addr = sym.st_value,
			.size = sym.st_size,
			.name = name,
			.shndx = sym.st_shndx,
			.local = GELF_ST_BIND(sym.st_info) == STB_LOCAL,
		};
	}
	symtab_finish(&o->data);
	symtab_finish(&o->code);
	return 0;
}

/*
 * Stripped objects (Debian's libc: .dynsym only, so no __lll_lock_wait) have their full symbol
 * table in a separate debug file when its -dbg package is installed. Its sections keep the
 * object's indices and addresses, so its symbols read as the object's own.
 */
static int debug_symbols_read(struct elf_obj *o, Elf *elf, const char *path)
{
	Elf *dbg;
	int fd, err;

	err = debugfile_open(elf, path, symtab_present, &fd, &dbg);
	if (err)
		return err;
	err = symbols_read(o, dbg);
	elf_end(dbg);
	close(fd);
	return err;
}

static int elf_obj_read(struct elf_obj *o, int fd, const char *path)
{
	Elf *elf;
	int err;

	err = elffile_begin(fd, &elf);
	if (err)
		return err;
	err = segs_read(o, elf);
	if (!err)
		err = sections_read(o, elf);
	if (!err && (symtab_present(elf) || debug_symbols_read(o, elf, path)))
		err = symbols_read(o, elf);
	elf_end(elf);
	return err;
}

static void elf_obj_clear(struct elf_obj *o)
{
	free(o->segs);
	free(o->sects);
	free(o->data.syms);
	free(o->code.syms);
	free(o->symstr);
	free(o->secstr);
	o->segs = NULL;
	o->sects = NULL;
	o->data.syms = o->code.syms = NULL;
	o->symstr = o->secstr = NULL;
	o->nsegs = o->nsects = o->data.n = o->code.n = 0;
}

static size_t bucket_of(uint64_t dev, uint64_t ino)
{
	return (size_t)(((ino ^ (dev << 32 | dev >> 32)) * 0x9e3779b97f4a7c15ull) >> 55) %
	       CACHE_BUCKETS;
}

/* Read the object of m into the cache. -ENOENT (not cached) when the file cannot be reached. */
static int elf_obj_load(struct gp_symbolizer *s, const struct gp_mapping *m, struct elf_obj **out)
{
	struct elf_obj *o = calloc(1, sizeof(*o));
	size_t b;
	int fd;

	if (!o)
		return -ENOMEM;
	fd = elffile_fd_borrow(m);
	if (fd < 0) {
		free(o);
		return fd;
	}
	o->dev = m->dev;
	o->ino = m->ino;
	o->err = elf_obj_read(o, fd, m->path);
	elffile_fd_return(m, fd);
	if (o->err)
		elf_obj_clear(o);
	if (o->err == -ENOMEM) {
		free(o);
		return -ENOMEM;
	}
	b = bucket_of(o->dev, o->ino);
	o->next = s->buckets[b];
	s->buckets[b] = o;
	*out = o;
	return 0;
}

/* The cached object of file mapping m. Returns 0, its remembered read error, or -errno. */
static int elf_obj_get(struct gp_symbolizer *s, const struct gp_mapping *m,
		       const struct elf_obj **out)
{
	struct elf_obj *o;
	int err = 0;

	if (!mapping_is_file(m))
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	for (o = s->buckets[bucket_of(m->dev, m->ino)]; o; o = o->next)
		if (o->dev == m->dev && o->ino == m->ino)
			break;
	if (!o)
		err = elf_obj_load(s, m, &o);
	pthread_mutex_unlock(&s->lock);
	if (err)
		return err;
	*out = o;
	return o->err;
}

static bool same_file(const struct gp_mapping *a, const struct gp_mapping *b)
{
	return mapping_is_file(a) && a->dev == b->dev && a->ino == b->ino;
}

/* Load bias of the object mapped at pm->maps[i], from the run of mappings of one load around it. */
static int elf_obj_bias(struct gp_symbolizer *s, const struct gp_procmaps *pm, size_t i,
			const struct elf_obj **out, uint64_t *bias)
{
	const struct gp_mapping *m = &pm->maps[i];
	const struct elf_obj *o;
	size_t lo = i, hi = i + 1;
	int err;

	err = elf_obj_get(s, m, &o);
	if (err)
		return err;
	while (lo > 0 && same_file(&pm->maps[lo - 1], m))
		lo--;
	while (hi < pm->n && same_file(&pm->maps[hi], m))
		hi++;
	err = loadbias_compute(o->segs, o->nsegs, &pm->maps[lo], hi - lo, s->pagesz, bias);
	if (err)
		return err;
	*out = o;
	return 0;
}

static bool segs_cover(const struct elf_obj *o, uint64_t vaddr)
{
	for (size_t k = 0; k < o->nsegs; k++)
		if (vaddr >= o->segs[k].vaddr && vaddr - o->segs[k].vaddr < o->segs[k].memsz)
			return true;
	return false;
}

static int file_locate(struct gp_symbolizer *s, const struct gp_procmaps *pm, size_t i,
		       uint64_t addr, struct gp_addr_loc *loc)
{
	const struct gp_mapping *m = &pm->maps[i];
	const struct elf_obj *o;
	int err;

	loc->obj = m;
	loc->vaddr = addr - m->start + m->pgoff;
	err = elf_obj_bias(s, pm, i, &o, &loc->bias);
	if (err == -ENOMEM)
		return err;
	if (!err) {
		loc->elf = true;
		loc->vaddr = addr - loc->bias;
	}
	return 0;
}

/*
 * The .bss beyond the file's last page is anonymous memory placed right after the object's file
 * mappings (and may have merged with later anonymous memory): it belongs to the object below when
 * that object's PT_LOAD memory size reaches the address.
 */
static int bss_locate(struct gp_symbolizer *s, const struct gp_procmaps *pm, size_t i,
		      uint64_t addr, struct gp_addr_loc *loc)
{
	const struct elf_obj *o;
	size_t j = i;
	uint64_t bias;
	int err;

	while (j > 0 && pm->maps[j - 1].end == pm->maps[j].start &&
	       mapping_is_anon(&pm->maps[j - 1]))
		j--;
	if (!j || pm->maps[j - 1].end != pm->maps[j].start || !mapping_is_file(&pm->maps[j - 1]))
		return 0;
	err = elf_obj_bias(s, pm, j - 1, &o, &bias);
	if (err == -ENOMEM)
		return err;
	if (err || !segs_cover(o, addr - bias))
		return 0;
	loc->obj = &pm->maps[j - 1];
	loc->elf = true;
	loc->vaddr = addr - bias;
	loc->bias = bias;
	return 0;
}

int symbolizer_locate(struct gp_symbolizer *s, const struct gp_procmaps *pm, uint64_t addr,
		      struct gp_addr_loc *loc)
{
	long i = procmaps_index(pm, addr);
	const struct gp_mapping *m;

	memset(loc, 0, sizeof(*loc));
	if (i < 0 || addr >= pm->maps[i].end)
		return 0;
	m = loc->map = &pm->maps[i];
	if (mapping_is_file(m))
		return file_locate(s, pm, (size_t)i, addr, loc);
	/* With ASLR off, the brk area starts right after the executable's .bss and can merge. */
	if (mapping_is_anon(m) || !strcmp(m->path, "[heap]"))
		return bss_locate(s, pm, (size_t)i, addr, loc);
	return 0;
}

static int sym_out(const struct symrec *r, struct gp_sym *out)
{
	if (!r)
		return -ENOENT;
	out->name = r->name;
	out->addr = r->addr;
	out->size = r->size;
	return 0;
}

int symbolizer_lookup_data(struct gp_symbolizer *s, const struct gp_mapping *m, uint64_t vaddr,
			   struct gp_sym *out)
{
	const struct elf_obj *o;
	int err;

	err = elf_obj_get(s, m, &o);
	if (err)
		return err;
	return sym_out(symtab_find(&o->data, vaddr), out);
}

int symbolizer_lookup_code(struct gp_symbolizer *s, const struct gp_mapping *m, uint64_t vaddr,
			   struct gp_sym *out)
{
	const struct symrec *r;
	const struct elf_obj *o;
	int err;

	err = elf_obj_get(s, m, &o);
	if (err)
		return err;
	r = symtab_find(&o->code, vaddr);
	if (!r)
		r = label_find(o, vaddr);
	return sym_out(r, out);
}

int symbolizer_find_code(struct gp_symbolizer *s, const struct gp_mapping *m, const char *name,
			 struct gp_sym *out)
{
	const struct elf_obj *o;
	int err;

	err = elf_obj_get(s, m, &o);
	if (err)
		return err;
	for (size_t i = 0; i < o->code.n; i++) {
		if (!strcmp(o->code.syms[i].name, name))
			return sym_out(&o->code.syms[i], out);
	}
	return -ENOENT;
}

int symbolizer_find_section(struct gp_symbolizer *s, const struct gp_mapping *m,
			    const char *section, uint64_t *start, uint64_t *size)
{
	const struct elf_obj *o;
	int err;

	err = elf_obj_get(s, m, &o);
	if (err)
		return err;
	for (size_t i = 0; i < o->nsects; i++) {
		if (o->sects[i].alloc && !strcmp(o->sects[i].name, section)) {
			*start = o->sects[i].addr;
			*size = o->sects[i].size;
			return 0;
		}
	}
	return -ENOENT;
}

static void base_name(const struct gp_mapping *m, char *buf, size_t len)
{
	const char *b;
	size_t n, k = strlen(DELETED_SUFFIX);

	if (!strcmp(m->path, "/dev/zero" DELETED_SUFFIX)) {
		snprintf(buf, len, "[anon-shared]");
		return;
	}
	b = strrchr(m->path, '/');
	b = b ? b + 1 : m->path;
	n = strlen(b);
	if (n >= k && !strcmp(b + n - k, DELETED_SUFFIX))
		n -= k;
	snprintf(buf, len, "%.*s", (int)n, b);
}

static void loc_obj_name(const struct gp_addr_loc *loc, char *buf, size_t len)
{
	if (loc->obj)
		base_name(loc->obj, buf, len);
	else if (!loc->map)
		snprintf(buf, len, "[unmapped]");
	else if (mapping_is_anon(loc->map))
		snprintf(buf, len, "[anon]");
	else
		snprintf(buf, len, "%s", loc->map->path);
}

static void loc_name(const struct gp_addr_loc *loc, uint64_t addr, char *buf, size_t len)
{
	const struct gp_mapping *m = loc->map;
	char base[256];

	if (loc->obj) {
		base_name(loc->obj, base, sizeof(base));
		snprintf(buf, len, "%s+0x%" PRIx64, base, loc->vaddr);
	} else if (!m) {
		snprintf(buf, len, "[unmapped] 0x%" PRIx64, addr);
	} else if (mapping_is_anon(m)) {
		snprintf(buf, len, "[anon] 0x%" PRIx64, addr);
	} else if (!strcmp(m->path, "[stack]")) {
		/* by address: the stack grows below the start its snapshot saw */
		snprintf(buf, len, "[stack] 0x%" PRIx64, addr);
	} else {
		snprintf(buf, len, "%s+0x%" PRIx64, m->path, addr - m->start);
	}
}

/* Names are shown demangled (C++, Rust); gp_sym keeps the linkage name DWARF is matched by. */
static void sym_name(const struct gp_sym *sym, uint64_t vaddr, bool offset, char *buf, size_t len)
{
	char plain[512];
	const char *name = demangle(sym->name, plain, sizeof(plain)) ? sym->name : plain;

	if (vaddr == sym->addr || !offset)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%s+0x%" PRIx64, name, vaddr - sym->addr);
}

static int addr_name(struct gp_symbolizer *s, const struct gp_procmaps *pm, uint64_t addr,
		     sym_lookup_fn lookup, bool offset, char *buf, size_t len, char *obj,
		     size_t obj_len)
{
	struct gp_addr_loc loc;
	struct gp_sym sym;
	int err;

	if (!buf || !len || (obj && !obj_len))
		return -EINVAL;
	err = symbolizer_locate(s, pm, addr, &loc);
	if (err)
		return err;
	if (obj)
		loc_obj_name(&loc, obj, obj_len);
	if (loc.elf) {
		err = lookup(s, loc.obj, loc.vaddr, &sym);
		if (!err) {
			sym_name(&sym, loc.vaddr, offset, buf, len);
			return GP_NAME_SYMBOL;
		}
		if (err == -ENOMEM)
			return err;
	}
	loc_name(&loc, addr, buf, len);
	return GP_NAME_MAPPING;
}

int symbolizer_name_data(struct gp_symbolizer *s, const struct gp_procmaps *pm, uint64_t addr,
			 char *buf, size_t len)
{
	return addr_name(s, pm, addr, symbolizer_lookup_data, true, buf, len, NULL, 0);
}

int symbolizer_name_code(struct gp_symbolizer *s, const struct gp_procmaps *pm, uint64_t addr,
			 char *buf, size_t len, char *obj, size_t obj_len)
{
	return addr_name(s, pm, addr, symbolizer_lookup_code, true, buf, len, obj, obj_len);
}

int symbolizer_name_function(struct gp_symbolizer *s, const struct gp_procmaps *pm, uint64_t addr,
			     char *buf, size_t len)
{
	return addr_name(s, pm, addr, symbolizer_lookup_code, false, buf, len, NULL, 0);
}

struct gp_symbolizer *symbolizer_new(void)
{
	struct gp_symbolizer *s;
	long pagesz = sysconf(_SC_PAGESIZE);

	if (elf_version(EV_CURRENT) == EV_NONE || pagesz <= 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (pthread_mutex_init(&s->lock, NULL)) {
		free(s);
		return NULL;
	}
	s->pagesz = (uint64_t)pagesz;
	return s;
}

void symbolizer_free(struct gp_symbolizer *s)
{
	struct elf_obj *o, *next;

	if (!s)
		return;
	for (size_t b = 0; b < CACHE_BUCKETS; b++) {
		for (o = s->buckets[b]; o; o = next) {
			next = o->next;
			elf_obj_clear(o);
			free(o);
		}
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
}
