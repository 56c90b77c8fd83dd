// SPDX-License-Identifier: GPL-2.0
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#include "symbolize/elffile.h"
#include "util/hashmap.h"
#include "symbolize/unwind.h"

/* x86-64 psABI DWARF register numbers. */
#define REG_RBP 6
#define REG_RSP 7
#define REG_RIP 16

#define EXPR_STACK 32
#define MAP_CACHE 256

/* The call-frame information of one ELF object. */
struct cfi_obj {
	int err; /* a failed read is remembered, not retried: -ENOEXEC or -EIO */
	Elf *elf;
	Dwarf_CFI *eh; /* .eh_frame, NULL when absent */
	Dwarf *dw; /* opened only for .debug_frame */
	Dwarf_CFI *dbg; /* .debug_frame, owned by dw */
	void *image; /* the vDSO's copy that elf reads */
	uint64_t image_vaddr; /* the vDSO's link-time address of its first byte */
};

/* An executable file mapping whose object and load bias are known. */
struct code_map {
	uint64_t start, end, pgoff, dev, ino; /* the mapping; ino 0 marks an empty slot */
	uint64_t bias; /* file-relative address = address - bias */
	struct cfi_obj *obj; /* NULL when the object is not ELF or corrupt */
};

struct gp_unwinder {
	pthread_mutex_t
		lock; /* guards the caches: libdw's CFI lookups are not thread-safe either */
	struct gp_symbolizer *sym;
	bool own_sym;
	struct gp_hashmap objs; /* (dev, ino) -> struct cfi_obj */
	struct cfi_obj *vdso; /* loaded on first use */
	struct code_map maps[MAP_CACHE]; /* direct-mapped by start address */
};

/* The copied stack: bytes [lo, hi) of the thread's address space. */
struct uw_stack {
	const unsigned char *data;
	uint64_t lo, hi;
};

/* The registers the walk tracks: enough to find every x86-64 caller frame. */
struct uw_state {
	uint64_t pc, sp, bp;
	bool bp_known;
	/* pc is where execution stopped, not a return address: the first frame, after a signal */
	bool exact_pc;
};

struct expr_ctx {
	const struct uw_stack *stk;
	const struct uw_state *st;
	uint64_t cfa;
	bool cfa_known;
};

/* What a register rule says about the caller's value of the register. */
enum reg_rule {
	REG_SET, /* recovered */
	REG_SAME, /* unchanged by this frame */
	REG_UNDEF, /* not recoverable */
};

const char *unwind_stop_name(enum gp_unwind_stop why)
{
	static const char *const names[] = {
		[GP_UNWIND_END] = "end",
		[GP_UNWIND_NO_CFI] = "no-cfi",
		[GP_UNWIND_OUT_OF_STACK] = "out-of-stack",
		[GP_UNWIND_NO_MAP] = "no-map",
		[GP_UNWIND_MAX_DEPTH] = "max-depth",
		[GP_UNWIND_BAD_CFA] = "bad-cfa",
	};

	if ((unsigned int)why >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[why];
}

/* Little-endian read of size bytes at addr; -ERANGE when they are not all in the slice. */
static int stack_read(const struct uw_stack *stk, uint64_t addr, size_t size, uint64_t *val)
{
	uint64_t v = 0;

	if (addr < stk->lo || addr > stk->hi || size > stk->hi - addr || size > sizeof(v))
		return -ERANGE;
	memcpy(&v, stk->data + (addr - stk->lo), size);
	*val = v;
	return 0;
}

static int reg_value(const struct uw_state *st, uint64_t regno, uint64_t *val)
{
	switch (regno) {
	case REG_RSP:
		*val = st->sp;
		return 0;
	case REG_RBP:
		if (!st->bp_known)
			return -EINVAL;
		*val = st->bp;
		return 0;
	case REG_RIP:
		*val = st->pc;
		return 0;
	}
	return -EINVAL;
}

/* Operations that push one value. Returns 0, 1 when op is not one of them, or -errno. */
static int op_value(const struct expr_ctx *c, const Dwarf_Op *op, uint64_t *v)
{
	bool bregx = op->atom == DW_OP_bregx;
	uint64_t r;

	if (op->atom >= DW_OP_lit0 && op->atom <= DW_OP_lit31) {
		*v = op->atom - DW_OP_lit0;
		return 0;
	}
	if ((op->atom >= DW_OP_breg0 && op->atom <= DW_OP_breg31) || bregx) {
		if (reg_value(c->st, bregx ? op->number : (uint64_t)(op->atom - DW_OP_breg0), &r))
			return -EINVAL;
		/* libdw stores signed offsets two's-complement in its unsigned fields. */
		*v = r + (bregx ? op->number2 : op->number);
		return 0;
	}
	switch (op->atom) {
	case DW_OP_addr:
	case DW_OP_const1u:
	case DW_OP_const1s:
	case DW_OP_const2u:
	case DW_OP_const2s:
	case DW_OP_const4u:
	case DW_OP_const4s:
	case DW_OP_const8u:
	case DW_OP_const8s:
	case DW_OP_constu:
	case DW_OP_consts:
		*v = op->number;
		return 0;
	case DW_OP_call_frame_cfa:
		if (!c->cfa_known)
			return -EINVAL;
		*v = c->cfa;
		return 0;
	}
	return 1;
}

/* Operations on the top of the stack. Returns 0, 1 when op is not one of them, or -errno. */
static int op_unary(const struct expr_ctx *c, const Dwarf_Op *op, uint64_t *v)
{
	switch (op->atom) {
	case DW_OP_deref:
		return stack_read(c->stk, *v, sizeof(*v), v);
	case DW_OP_deref_size:
		return stack_read(c->stk, *v, op->number, v);
	case DW_OP_plus_uconst:
		*v += op->number;
		return 0;
	case DW_OP_neg:
		*v = -*v;
		return 0;
	case DW_OP_not:
		*v = ~*v;
		return 0;
	case DW_OP_abs:
		*v = (int64_t)*v < 0 ? -*v : *v;
		return 0;
	}
	return 1;
}

/* Binary operations: *a = *a op b. Returns 0, 1 when op is not one of them, or -errno. */
static int op_binary(const Dwarf_Op *op, uint64_t *a, uint64_t b)
{
	switch (op->atom) {
	case DW_OP_plus:
		*a += b;
		return 0;
	case DW_OP_minus:
		*a -= b;
		return 0;
	case DW_OP_mul:
		*a *= b;
		return 0;
	case DW_OP_and:
		*a &= b;
		return 0;
	case DW_OP_or:
		*a |= b;
		return 0;
	case DW_OP_xor:
		*a ^= b;
		return 0;
	case DW_OP_shl:
		*a = b < 64 ? *a << b : 0;
		return 0;
	case DW_OP_shr:
		*a = b < 64 ? *a >> b : 0;
		return 0;
	case DW_OP_shra:
		*a = (uint64_t)((int64_t)*a >> (b < 64 ? b : 63));
		return 0;
	case DW_OP_div:
		if (!b || ((int64_t)*a == INT64_MIN && (int64_t)b == -1))
			return -EINVAL;
		*a = (uint64_t)((int64_t)*a / (int64_t)b);
		return 0;
	case DW_OP_mod:
		if (!b)
			return -EINVAL;
		*a %= b;
		return 0;
	}
	/* DWARF comparisons are signed. */
	switch (op->atom) {
	case DW_OP_eq:
		*a = (int64_t)*a == (int64_t)b;
		return 0;
	case DW_OP_ne:
		*a = (int64_t)*a != (int64_t)b;
		return 0;
	case DW_OP_lt:
		*a = (int64_t)*a < (int64_t)b;
		return 0;
	case DW_OP_le:
		*a = (int64_t)*a <= (int64_t)b;
		return 0;
	case DW_OP_gt:
		*a = (int64_t)*a > (int64_t)b;
		return 0;
	case DW_OP_ge:
		*a = (int64_t)*a >= (int64_t)b;
		return 0;
	}
	return 1;
}

/* Stack shuffles. Returns 0, 1 when op is not one of them, or -EINVAL on underflow/overflow. */
static int op_shuffle(const Dwarf_Op *op, uint64_t *s, size_t *n)
{
	uint64_t t;

	switch (op->atom) {
	case DW_OP_nop:
		return 0;
	case DW_OP_dup:
	case DW_OP_over:
	case DW_OP_pick: {
		size_t depth = op->atom == DW_OP_dup ? 0 : op->atom == DW_OP_over ? 1 : op->number;

		if (depth >= *n || *n == EXPR_STACK)
			return -EINVAL;
		s[*n] = s[*n - 1 - depth];
		(*n)++;
		return 0;
	}
	case DW_OP_drop:
		if (!*n)
			return -EINVAL;
		(*n)--;
		return 0;
	case DW_OP_swap:
		if (*n < 2)
			return -EINVAL;
		t = s[*n - 1], s[*n - 1] = s[*n - 2], s[*n - 2] = t;
		return 0;
	case DW_OP_rot:
		if (*n < 3)
			return -EINVAL;
		t = s[*n - 1], s[*n - 1] = s[*n - 2], s[*n - 2] = s[*n - 3], s[*n - 3] = t;
		return 0;
	}
	return 1;
}

static int op_apply(const struct expr_ctx *c, const Dwarf_Op *op, uint64_t *s, size_t *n)
{
	uint64_t v;
	int err;

	err = op_value(c, op, &v);
	if (err <= 0) {
		if (err)
			return err;
		if (*n == EXPR_STACK)
			return -EINVAL;
		s[(*n)++] = v;
		return 0;
	}
	err = op_shuffle(op, s, n);
	if (err <= 0)
		return err;
	if (!*n)
		return -EINVAL;
	err = op_unary(c, op, &s[*n - 1]);
	if (err <= 0)
		return err;
	if (*n < 2)
		return -EINVAL;
	/* Anything else (branches, TLS, pieces) is never seen in x86-64 CFI. */
	err = op_binary(op, &s[*n - 2], s[*n - 1]);
	if (err)
		return -EINVAL;
	(*n)--;
	return 0;
}

static bool op_is_reg(const Dwarf_Op *op, uint64_t *regno)
{
	if (op->atom >= DW_OP_reg0 && op->atom <= DW_OP_reg31) {
		*regno = op->atom - DW_OP_reg0;
		return true;
	}
	if (op->atom == DW_OP_regx) {
		*regno = op->number;
		return true;
	}
	return false;
}

/*
 * Evaluate a DWARF expression from the CFI. *value tells a computed value (a trailing
 * DW_OP_stack_value, or a lone register operation naming where the value is) from a memory
 * location to read. Returns 0, -ERANGE when it reads outside the slice, -EINVAL when it cannot be
 * evaluated.
 */
static int expr_eval(const struct expr_ctx *c, const Dwarf_Op *ops, size_t nops, uint64_t *out,
		     bool *value)
{
	uint64_t s[EXPR_STACK], regno;
	size_t n = 0;
	int err;

	*value = false;
	if (nops == 1 && op_is_reg(&ops[0], &regno)) {
		*value = true;
		return reg_value(c->st, regno, out);
	}
	for (size_t i = 0; i < nops; i++) {
		if (ops[i].atom == DW_OP_stack_value && i == nops - 1) {
			*value = true;
			break;
		}
		err = op_apply(c, &ops[i], s, &n);
		if (err)
			return err;
	}
	if (!n)
		return -EINVAL;
	*out = s[n - 1];
	return 0;
}

/* The caller's value of register regno under fr's rules. Returns an enum reg_rule or -errno. */
static int reg_recover(const struct expr_ctx *c, Dwarf_Frame *fr, int regno, uint64_t *val)
{
	Dwarf_Op mem[3], *ops;
	size_t nops;
	bool value;
	int err;

	if (dwarf_frame_register(fr, regno, mem, &ops, &nops))
		return -EINVAL;
	if (!nops)
		return ops ? REG_UNDEF : REG_SAME;
	err = expr_eval(c, ops, nops, val, &value);
	if (!err && !value)
		err = stack_read(c->stk, *val, sizeof(*val), val);
	return err ? err : REG_SET;
}

static enum gp_unwind_stop stop_of(int err)
{
	return err == -ERANGE ? GP_UNWIND_OUT_OF_STACK : GP_UNWIND_BAD_CFA;
}

/*
 * One step through a frame with CFI: recover the caller's pc, sp and bp from the rules of fr.
 * Returns 0 when it stepped, 1 when the walk stops there (*why set).
 */
static int step_cfi(const struct uw_stack *stk, Dwarf_Frame *fr, struct uw_state *st,
		    enum gp_unwind_stop *why)
{
	struct expr_ctx c = {.stk = stk, .st = st};
	uint64_t ra, sp, bp = st->bp;
	bool signal, bp_known = st->bp_known, value;
	Dwarf_Op *ops;
	size_t nops;
	int ra_reg, r;

	ra_reg = dwarf_frame_info(fr, NULL, NULL, &signal);
	if (ra_reg < 0 || dwarf_frame_cfa(fr, &ops, &nops) || !nops) {
		*why = GP_UNWIND_BAD_CFA;
		return 1;
	}
	r = expr_eval(&c, ops, nops, &c.cfa, &value);
	if (r) {
		*why = stop_of(r);
		return 1;
	}
	c.cfa_known = true;
	if (c.cfa <= st->sp || c.cfa > stk->hi) {
		*why = c.cfa <= st->sp ? GP_UNWIND_BAD_CFA : GP_UNWIND_OUT_OF_STACK;
		return 1;
	}
	r = reg_recover(&c, fr, ra_reg, &ra);
	if (r != REG_SET) {
		/* An undefined return address is how CFI marks the outermost frame (_start, clone). */
		*why = r == REG_UNDEF ? GP_UNWIND_END : r < 0 ? stop_of(r) : GP_UNWIND_BAD_CFA;
		return 1;
	}
	/* A frame pointer that cannot be recovered is only a loss if a later frame lacks CFI. */
	r = reg_recover(&c, fr, REG_RBP, &bp);
	if (r == REG_UNDEF || r < 0)
		bp_known = false;
	else if (r == REG_SET)
		bp_known = true;
	if (reg_recover(&c, fr, REG_RSP, &sp) != REG_SET)
		sp = c.cfa;
	if (!ra) {
		*why = GP_UNWIND_END;
		return 1;
	}
	if (sp <= st->sp) {
		*why = GP_UNWIND_BAD_CFA;
		return 1;
	}
	*st = (struct uw_state){ra, sp, bp, bp_known, signal};
	return 0;
}

/*
 * One step through a frame without CFI, trusting the x86-64 frame-pointer layout: [bp] is the
 * caller's bp, [bp + 8] the return address. Only when bp points into the slice at or above sp.
 */
static int step_fp(const struct uw_stack *stk, struct uw_state *st, enum gp_unwind_stop *why)
{
	uint64_t next, ra;

	if (!st->bp_known || st->bp < st->sp || st->bp % 8 ||
	    stack_read(stk, st->bp, sizeof(next), &next) ||
	    stack_read(stk, st->bp + 8, sizeof(ra), &ra)) {
		*why = GP_UNWIND_NO_CFI;
		return 1;
	}
	if (!ra) {
		*why = GP_UNWIND_END;
		return 1;
	}
	*st = (struct uw_state){ra, st->bp + 16, next, true, false};
	return 0;
}

static void cfi_obj_free(struct cfi_obj *o)
{
	if (!o)
		return;
	if (o->eh)
		dwarf_cfi_end(o->eh);
	if (o->dw)
		dwarf_end(o->dw);
	if (o->elf)
		elf_end(o->elf);
	free(o->image);
	free(o);
}

static bool section_present(Elf *elf, const char *name)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t shstrndx;
	const char *s;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		s = elf_strptr(elf, shstrndx, sh.sh_name);
		if (s && !strcmp(s, name))
			return true;
	}
	return false;
}

/* Open the CFI tables of an ELF handle that o then owns. */
static int cfi_obj_init(struct cfi_obj *o, Elf *elf)
{
	o->elf = elf;
	if (elf_kind(elf) != ELF_K_ELF || gelf_getclass(elf) != ELFCLASS64)
		return -ENOEXEC;
	o->eh = dwarf_getcfi_elf(elf);
	/* .debug_frame covers what .eh_frame leaves out (-fno-asynchronous-unwind-tables code). */
	if (section_present(elf, ".debug_frame")) {
		o->dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
		if (o->dw)
			o->dbg = dwarf_getcfi(o->dw);
	}
	return 0;
}

/* Read the ELF object behind fd; the object outlives fd, which the snapshot owns. */
static int cfi_obj_read(struct cfi_obj *o, int fd)
{
	Elf *elf;
	int err;

	err = elffile_begin(fd, &elf);
	if (err)
		return err;
	/* Bring the file into memory (it is mmapped unless mmap failed) and let go of fd. */
	if (elf_cntl(elf, ELF_C_FDREAD)) {
		elf_end(elf);
		return -EIO;
	}
	return cfi_obj_init(o, elf);
}

/* The cached CFI of file mapping m. Returns 0, a remembered read error, or -errno. */
static int cfi_obj_get(struct gp_unwinder *u, const struct gp_mapping *m, struct cfi_obj **out)
{
	struct cfi_obj *o = hashmap_get(&u->objs, m->dev, m->ino);
	int fd, err;

	if (o) {
		*out = o;
		return o->err;
	}
	fd = elffile_fd_borrow(m);
	if (fd < 0)
		return fd;
	o = calloc(1, sizeof(*o));
	if (!o) {
		err = -ENOMEM;
		goto out;
	}
	o->err = cfi_obj_read(o, fd);
	err = hashmap_put(&u->objs, m->dev, m->ino, o);
	if (err) {
		cfi_obj_free(o);
		goto out;
	}
	*out = o;
	err = o->err;
out:
	elffile_fd_return(m, fd);
	return err;
}

/* Extent of an ELF image in memory: its headers and every segment and section it holds. */
static size_t image_size(const Elf64_Ehdr *eh)
{
	const Elf64_Phdr *ph = (const void *)((const char *)eh + eh->e_phoff);
	size_t size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;

	for (size_t i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_offset + ph[i].p_filesz > size)
			size = ph[i].p_offset + ph[i].p_filesz;
	return size;
}

/*
 * The vDSO has no file behind it, but every x86-64 process on this kernel maps the same image:
 * read ours. Its first PT_LOAD starts at file offset 0, at the start of the [vdso] mapping.
 */
static int vdso_read(struct cfi_obj *o)
{
	const Elf64_Ehdr *eh = (const void *)getauxval(AT_SYSINFO_EHDR);
	GElf_Phdr ph;
	size_t size, n;
	Elf *elf;
	int err;

	if (!eh)
		return -ENOENT;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64)
		return -ENOEXEC;
	size = image_size(eh);
	o->image = malloc(size);
	if (!o->image)
		return -ENOMEM;
	memcpy(o->image, eh, size);
	elf = elf_memory(o->image, size);
	if (!elf)
		return -EIO;
	err = cfi_obj_init(o, elf);
	if (err)
		return err;
	if (elf_getphdrnum(elf, &n))
		return -EIO;
	for (size_t i = 0; i < n; i++) {
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && !ph.p_offset) {
			o->image_vaddr = ph.p_vaddr;
			return 0;
		}
	}
	return -ENOEXEC;
}

static int vdso_get(struct gp_unwinder *u, struct cfi_obj **out)
{
	struct cfi_obj *o = u->vdso;

	if (!o) {
		o = calloc(1, sizeof(*o));
		if (!o)
			return -ENOMEM;
		o->err = vdso_read(o);
		if (o->err == -ENOMEM) {
			cfi_obj_free(o);
			return -ENOMEM;
		}
		u->vdso = o;
	}
	*out = o;
	return o->err;
}

/* The CFI row of vaddr: .eh_frame first, .debug_frame for the code it leaves out. */
static Dwarf_Frame *cfi_frame(const struct cfi_obj *o, uint64_t vaddr)
{
	Dwarf_Frame *fr = NULL;

	if (o->eh && !dwarf_cfi_addrframe(o->eh, vaddr, &fr))
		return fr;
	if (o->dbg && !dwarf_cfi_addrframe(o->dbg, vaddr, &fr))
		return fr;
	return NULL;
}

static size_t map_slot(uint64_t start)
{
	return (size_t)((start >> 12) * 0x9e3779b97f4a7c15ull >> 56) % MAP_CACHE;
}

static bool code_map_is(const struct code_map *c, const struct gp_mapping *m)
{
	return c->ino && c->start == m->start && c->end == m->end && c->pgoff == m->pgoff &&
	       c->dev == m->dev && c->ino == m->ino;
}

/*
 * Object and load bias of the executable file mapping m, which addr is in. Locating addr through
 * the symbolizer (the bias vote) costs more than the rest of a frame, and the same file mapped at
 * the same address from the same offset has the same bias in every snapshot: cache by that.
 * Returns 0 with *out, 1 when the object cannot be read through this snapshot, -ENOMEM.
 */
static int code_map_get(struct gp_unwinder *u, const struct gp_procmaps *pm,
			const struct gp_mapping *m, uint64_t addr, const struct code_map **out)
{
	struct code_map *c = &u->maps[map_slot(m->start)];
	struct gp_addr_loc loc;
	struct cfi_obj *o = NULL;
	int err;

	if (!code_map_is(c, m)) {
		err = symbolizer_locate(u->sym, pm, addr, &loc);
		if (err)
			return err;
		if (!loc.elf)
			return 1;
		err = cfi_obj_get(u, loc.obj, &o);
		if (err == -ENOMEM || err == -ENOENT)
			return err == -ENOMEM ? err : 1;
		*c = (struct code_map){.start = m->start,
				       .end = m->end,
				       .pgoff = m->pgoff,
				       .dev = m->dev,
				       .ino = m->ino,
				       .bias = loc.bias,
				       .obj = err ? NULL : o};
	}
	*out = c;
	return 0;
}

/*
 * The CFI row for the code at addr. Returns 0 with *fr (to free()), 1 when there is none (*why:
 * NO_MAP outside executable mappings, else NO_CFI), -ENOMEM.
 */
static int frame_find(struct gp_unwinder *u, const struct gp_procmaps *pm, uint64_t addr,
		      Dwarf_Frame **fr, enum gp_unwind_stop *why)
{
	long i = procmaps_index(pm, addr);
	const struct gp_mapping *m = i >= 0 && addr < pm->maps[i].end ? &pm->maps[i] : NULL;
	const struct code_map *c;
	struct cfi_obj *o;
	uint64_t vaddr;
	int err;

	*why = GP_UNWIND_NO_MAP;
	if (!m || !(m->prot & PROT_EXEC))
		return 1;
	*why = GP_UNWIND_NO_CFI;
	if (mapping_is_file(m)) {
		err = code_map_get(u, pm, m, addr, &c);
		if (err)
			return err;
		if (!c->obj)
			return 1;
		o = c->obj;
		vaddr = addr - c->bias;
	} else if (!strcmp(m->path, "[vdso]")) {
		err = vdso_get(u, &o);
		if (err)
			return err == -ENOMEM ? err : 1;
		vaddr = addr - m->start + o->image_vaddr;
	} else {
		return 1;
	}
	*fr = cfi_frame(o, vaddr);
	return *fr ? 0 : 1;
}

/* Step from the frame of st->pc to its caller. Returns 0, 1 when the walk stops, -ENOMEM. */
static int frame_step(struct gp_unwinder *u, const struct gp_procmaps *pm,
		      const struct uw_stack *stk, struct uw_state *st, enum gp_unwind_stop *why)
{
	Dwarf_Frame *fr;
	int err;

	/* A return address may be the first byte after a noreturn function: look at the call. */
	err = frame_find(u, pm, st->exact_pc ? st->pc : st->pc - 1, &fr, why);
	if (err < 0)
		return err;
	if (err)
		return *why == GP_UNWIND_NO_CFI ? step_fp(stk, st, why) : 1;
	err = step_cfi(stk, fr, st, why);
	free(fr);
	return err;
}

int unwind_stack(struct gp_unwinder *u, const struct gp_procmaps *pm, const struct gp_uregs *regs,
		 const void *stack, size_t stack_len, uint64_t *frames, size_t max,
		 enum gp_unwind_stop *why)
{
	struct uw_state st = {regs ? regs->ip : 0, regs ? regs->sp : 0, regs ? regs->bp : 0, true,
			      true};
	struct uw_stack stk = {stack, st.sp, st.sp};
	enum gp_unwind_stop stop;
	size_t n = 0;
	int err;

	if (!u || !pm || !regs || (!stack && stack_len) || !frames || !max)
		return -EINVAL;
	/* A slice that would wrap around the address space is cut at its end. */
	stk.hi = st.sp + (stack_len < UINT64_MAX - st.sp ? stack_len : UINT64_MAX - st.sp);
	frames[n++] = st.pc;
	pthread_mutex_lock(&u->lock);
	for (;;) {
		err = frame_step(u, pm, &stk, &st, &stop);
		if (err)
			break;
		if (n == max) {
			stop = GP_UNWIND_MAX_DEPTH;
			break;
		}
		frames[n++] = st.pc;
	}
	pthread_mutex_unlock(&u->lock);
	if (err < 0)
		return err;
	if (why)
		*why = stop;
	return (int)n;
}

struct gp_unwinder *unwinder_new(struct gp_symbolizer *sym)
{
	struct gp_unwinder *u;
	int err;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		errno = EINVAL;
		return NULL;
	}
	u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	err = pthread_mutex_init(&u->lock, NULL);
	if (err) {
		free(u);
		errno = err;
		return NULL;
	}
	hashmap_init(&u->objs);
	u->sym = sym;
	if (!sym) {
		u->sym = symbolizer_new();
		u->own_sym = true;
	}
	if (!u->sym) {
		unwinder_free(u);
		errno = ENOMEM;
		return NULL;
	}
	return u;
}

void unwinder_free(struct gp_unwinder *u)
{
	struct gp_hkey key;
	void *val;

	if (!u)
		return;
	for (size_t i = 0; hashmap_next(&u->objs, &i, &key, &val);)
		cfi_obj_free(val);
	hashmap_free(&u->objs);
	cfi_obj_free(u->vdso);
	if (u->own_sym)
		symbolizer_free(u->sym);
	pthread_mutex_destroy(&u->lock);
	free(u);
}
