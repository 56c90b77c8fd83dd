/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names for addresses of a process, from a procmaps snapshot and the ELF symbol tables of the
 * mapped objects. Data addresses (futex words) are named by the data symbol containing them, code
 * addresses (stack frames) by function symbols.
 *
 * Naming conventions (offsets are always lower-case hex with a 0x prefix):
 *   "gil", "counter_lock+0x8"      a symbol and the offset into it, omitted when 0
 *   "libfoo.so.1+0x1234"           an ELF object without a matching symbol: basename and the
 *                                  file-relative virtual address (what nm and addr2line use)
 *   "data.bin+0x1000"              a non-ELF or unreadable file: basename and file offset
 *   "[heap]+0x1a0", "[vdso]+0x10"  a kernel-named mapping: offset from the mapping start
 *   "[stack] 0x7ffd3a2c1e10"        the main stack: the absolute address (an offset below its top
 *                                  read as negative, one from its start moves as the stack grows)
 *   "[anon-shared]+0x40"           MAP_SHARED|MAP_ANONYMOUS memory ("/dev/zero (deleted)")
 *   "[anon] 0x7f2c5a001000"        private anonymous memory (malloc arenas, thread stacks): the
 *                                  absolute address, as nothing more stable exists
 *   "[unmapped] 0x1000"            an address in no mapping of the snapshot
 * A " (deleted)" suffix is dropped from basenames.
 */
#ifndef GP_SYMBOLS_H
#define GP_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "symbolize/procmaps.h"

/* Return values of the symbolizer_name_*() functions besides -errno. */
enum gp_name_kind {
	GP_NAME_SYMBOL = 0, /* named by a symbol */
	GP_NAME_MAPPING = 1, /* named by object, mapping or raw address */
};

/* A PT_LOAD program header, reduced to what the load-bias arithmetic needs. */
struct gp_load_seg {
	uint64_t vaddr, memsz; /* p_vaddr, p_memsz */
	uint64_t offset, filesz; /* p_offset, p_filesz */
	uint32_t flags; /* PF_R | PF_W | PF_X */
};

/*
 * Load bias of one loaded ELF object (pure): runtime address = file-relative vaddr + bias. maps[]
 * are the object's file-backed mappings from one load (adjacent entries of a snapshot with the
 * same dev and inode), segs[] its PT_LOAD headers. A mapping at start with file offset pgoff that
 * comes from segment S implies bias = start - pgoff + S.offset - S.vaddr (0 for ET_EXEC).
 * Segments may share a file page (a small binary's last .rodata page is also the first page of its
 * RELRO data, under the same pgoff), so one mapping can imply two biases: the bias that most
 * mappings agree on wins, then the segment whose execute bit matches the mapping's. PROT_NONE
 * mappings (alignment gaps) do not vote. Returns 0 or -ENOENT if no mapping fits any segment.
 */
int loadbias_compute(const struct gp_load_seg *segs, size_t nsegs, const struct gp_mapping *maps,
		     size_t nmaps, uint64_t pagesz, uint64_t *bias);

/*
 * The ELF cache: each object is read once per symbolizer, keyed by the (dev, inode) of its
 * mappings, through the snapshot's fd when it has one, else by path (only if the file there is
 * still the mapped inode). Symbols come from .symtab if present, else from the .symtab of the
 * object's separate debug file (debugfile.h), else from .dynsym. Data symbols are sized STT_OBJECT
 * and STT_COMMON; STT_TLS symbols are left out because their values are offsets into each thread's
 * TLS block, not addresses. Code symbols are STT_FUNC and STT_GNU_IFUNC; an unsized one (an
 * assembly label) names addresses after it up to the next symbol or the end of its section. Among
 * aliases (same address and size), a global or weak name beats a local one, then fewer leading
 * underscores win ("environ" over "__environ"), then the lexically smaller name. Version suffixes
 * are dropped ("stdout@GLIBC_2.2.5" is "stdout").
 * Lookups are serialized by an internal mutex: one symbolizer can serve several threads.
 */
struct gp_symbolizer;

struct gp_symbolizer *symbolizer_new(void);
void symbolizer_free(struct gp_symbolizer *s);

struct gp_sym {
	const char *name; /* owned by the symbolizer, valid until symbolizer_free() */
	uint64_t addr; /* file-relative virtual address */
	uint64_t size; /* 0 for an unsized code label */
};

/* Where a process address falls. */
struct gp_addr_loc {
	const struct gp_mapping *map; /* the mapping containing the address, NULL in a hole */
	/*
	 * The file mapping the address belongs to: map itself, or for .bss beyond the file's last
	 * page (which lies in anonymous memory) the last file mapping of the object whose PT_LOAD
	 * covers it. NULL for anonymous, pseudo ("[heap]") and unmapped addresses.
	 */
	const struct gp_mapping *obj;
	bool elf; /* obj was read as ELF and its load bias found */
	uint64_t vaddr; /* elf: file-relative virtual address; else with obj: file offset */
	uint64_t bias; /* elf: the address is vaddr + bias */
};

/*
 * Locate addr in the process of pm. (obj->dev, obj->ino, vaddr) is a name for the address that
 * holds across processes and runs. Returns 0 or -ENOMEM; unreadable objects only clear elf.
 */
int symbolizer_locate(struct gp_symbolizer *s, const struct gp_procmaps *pm, uint64_t addr,
		      struct gp_addr_loc *loc);

/*
 * Name a data address of pm's process following the conventions above. Writes a NUL-terminated
 * name into buf, truncated to len. Returns GP_NAME_SYMBOL, GP_NAME_MAPPING or -errno (-EINVAL for
 * an empty buffer, -ENOMEM).
 */
int symbolizer_name_data(struct gp_symbolizer *s, const struct gp_procmaps *pm, uint64_t addr,
			 char *buf, size_t len);

/*
 * Name a code address: "func+0x12" from function symbols, else by mapping as for data. When obj
 * is not NULL, also writes the object's basename there (or the mapping's name, "[anon]",
 * "[unmapped]"). Same returns as symbolizer_name_data().
 */
int symbolizer_name_code(struct gp_symbolizer *s, const struct gp_procmaps *pm, uint64_t addr,
			 char *buf, size_t len, char *obj, size_t obj_len);

/*
 * The function of a code address without the offset into it ("func", where name_code gives
 * "func+0x12"): what a profile aggregates by. An address no symbol names is named as by
 * name_code ("libfoo.so.1+0x1234"). Same returns as symbolizer_name_data().
 */
int symbolizer_name_function(struct gp_symbolizer *s, const struct gp_procmaps *pm, uint64_t addr,
			     char *buf, size_t len);

/*
 * Symbol lookups by file-relative virtual address in the object mapped by the file mapping m:
 * the innermost data symbol with addr <= vaddr < addr + size, or the function symbol containing
 * vaddr. Return 0, -ENOENT when no symbol matches or the file is unavailable, -ENOEXEC when it is
 * not ELF, -EIO when it is corrupt, -EINVAL when m is not a file mapping, -ENOMEM.
 */
int symbolizer_lookup_data(struct gp_symbolizer *s, const struct gp_mapping *m, uint64_t vaddr,
			   struct gp_sym *out);
int symbolizer_lookup_code(struct gp_symbolizer *s, const struct gp_mapping *m, uint64_t vaddr,
			   struct gp_sym *out);

/* A function symbol by name in the object of m (a linear search: for a few lookups per object). */
int symbolizer_find_code(struct gp_symbolizer *s, const struct gp_mapping *m, const char *name,
			 struct gp_sym *out);

/*
 * Find an allocated section by name (".PyRuntime" holds CPython's GIL) in the object of m: its
 * file-relative start address and size. Same returns as the lookups.
 */
int symbolizer_find_section(struct gp_symbolizer *s, const struct gp_mapping *m,
			    const char *section, uint64_t *start, uint64_t *size);

#endif /* GP_SYMBOLS_H */
