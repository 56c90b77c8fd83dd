// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/demangle.h"

#define RUST_HASH_LEN 17 /* "h" and 16 hex digits */
#define RUST_MAX_HEX 6 /* digits of the largest code point, 10ffff */
#define LLVM_SUFFIX ".llvm." /* what (thin) LTO appends to the local symbols it promotes */

typedef char *(*cxa_demangle_fn)(const char *mangled, char *buf, size_t *len, int *status);

static pthread_once_t cxa_once = PTHREAD_ONCE_INIT;
static cxa_demangle_fn cxa_demangle;

/* A name being appended to; buf NULL only checks that a name decodes. Truncation is silent. */
struct namebuf {
	char *buf;
	size_t len, pos;
};

static void namebuf_putc(struct namebuf *nb, char c)
{
	if (nb->buf && nb->pos + 1 < nb->len)
		nb->buf[nb->pos++] = c;
}

static void namebuf_puts(struct namebuf *nb, const char *s)
{
	while (*s)
		namebuf_putc(nb, *s++);
}

/* UTF-8, which is how Rust source spells the identifiers and literals in these names. */
static void namebuf_put_utf8(struct namebuf *nb, uint32_t cp)
{
	if (cp < 0x80) {
		namebuf_putc(nb, (char)cp);
	} else if (cp < 0x800) {
		namebuf_putc(nb, (char)(0xc0 | cp >> 6));
		namebuf_putc(nb, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		namebuf_putc(nb, (char)(0xe0 | cp >> 12));
		namebuf_putc(nb, (char)(0x80 | (cp >> 6 & 0x3f)));
		namebuf_putc(nb, (char)(0x80 | (cp & 0x3f)));
	} else {
		namebuf_putc(nb, (char)(0xf0 | cp >> 18));
		namebuf_putc(nb, (char)(0x80 | (cp >> 12 & 0x3f)));
		namebuf_putc(nb, (char)(0x80 | (cp >> 6 & 0x3f)));
		namebuf_putc(nb, (char)(0x80 | (cp & 0x3f)));
	}
}

static bool rust_hash_is(const char *seg, size_t n)
{
	if (n != RUST_HASH_LEN || seg[0] != 'h')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isxdigit((unsigned char)seg[i]))
			return false;
	return true;
}

static uint32_t hex_value(char c)
{
	return isdigit((unsigned char)c) ? (uint32_t)(c - '0') : (uint32_t)((c | 0x20) - 'a' + 10);
}

/* "$u7b$" is a code point in hex; a surrogate or anything past Unicode is no name of rustc's. */
static bool rust_unicode_escape(const char *hex, size_t n, struct namebuf *nb)
{
	uint32_t cp = 0;

	if (!n || n > RUST_MAX_HEX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)hex[i]))
			return false;
		cp = cp << 4 | hex_value(hex[i]);
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return false;
	namebuf_put_utf8(nb, cp);
	return true;
}

/* The body of a "$...$" escape, n bytes at esc. */
static bool rust_escape(const char *esc, size_t n, struct namebuf *nb)
{
	static const struct {
		const char *name;
		char c;
	} named[] = {{"SP", '@'}, {"BP", '*'}, {"RF", '&'}, {"LT", '<'},
		     {"GT", '>'}, {"LP", '('}, {"RP", ')'}, {"C", ','}};

	if (n && esc[0] == 'u')
		return rust_unicode_escape(esc + 1, n - 1, nb);
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		if (strlen(named[i].name) == n && !memcmp(esc, named[i].name, n)) {
			namebuf_putc(nb, named[i].c);
			return true;
		}
	}
	return false;
}

/* One path segment: ".." is "::" (a path inside a segment, as in "<a..b as c..d>"). */
static bool rust_segment(const char *seg, size_t n, struct namebuf *nb)
{
	const char *end = seg + n, *close;

	/* rustc prefixes "_" to segments that would start with an escape. */
	if (n > 1 && seg[0] == '_' && seg[1] == '$')
		seg++;
	while (seg < end) {
		if (*seg == '$') {
			close = memchr(seg + 1, '$', (size_t)(end - seg - 1));
			if (!close || !rust_escape(seg + 1, (size_t)(close - seg - 1), nb))
				return false;
			seg = close + 1;
		} else if (*seg == '.' && seg + 1 < end && seg[1] == '.') {
			namebuf_puts(nb, "::");
			seg += 2;
		} else {
			namebuf_putc(nb, *seg++);
		}
	}
	return true;
}

/* The symbol ends after "E", or goes on with LTO's suffix, which is noise to a reader. */
static bool rust_end_is(const char *p)
{
	return *p == 'E' && (!p[1] || !strncmp(p + 1, LLVM_SUFFIX, strlen(LLVM_SUFFIX)));
}

/* "_ZN", length-prefixed segments, the last of them the hash, "E". */
static bool rust_legacy_decode(const char *sym, struct namebuf *nb)
{
	const char *p = sym + 3, *seg;
	size_t nsegs = 0;
	char *digits_end;
	unsigned long n;

	if (strncmp(sym, "_ZN", 3))
		return false;
	while (*p != 'E') {
		if (!isdigit((unsigned char)*p) || *p == '0')
			return false;
		n = strtoul(p, &digits_end, 10);
		if (n > strnlen(digits_end, n))
			return false;
		seg = digits_end;
		p = seg + n;
		if (rust_hash_is(seg, n) && rust_end_is(p))
			return nsegs > 0;
		if (nsegs++)
			namebuf_puts(nb, "::");
		if (!rust_segment(seg, n, nb))
			return false;
	}
	return false;
}

static int rust_demangle(const char *sym, char *buf, size_t len)
{
	struct namebuf check = {0}, out = {buf, len, 0};

	/* Checked before writing: buf stays untouched when sym turns out not to be Rust. */
	if (!rust_legacy_decode(sym, &check))
		return -EINVAL;
	rust_legacy_decode(sym, &out);
	buf[out.pos] = '\0';
	return 0;
}

static void cxa_load(void)
{
	void *lib = dlopen("libstdc++.so.6", RTLD_NOW | RTLD_LOCAL);

	/* Never closed: the function must outlive every caller. */
	if (lib)
		cxa_demangle = (cxa_demangle_fn)dlsym(lib, "__cxa_demangle");
}

static int cxx_demangle(const char *sym, char *buf, size_t len)
{
	char *name;
	int status;

	/* Without the "_Z" check __cxa_demangle() would read "i" as the type int. */
	if (strncmp(sym, "_Z", 2))
		return -EINVAL;
	pthread_once(&cxa_once, cxa_load);
	if (!cxa_demangle)
		return -ENOSYS;
	name = cxa_demangle(sym, NULL, NULL, &status);
	if (!name)
		return status == -1 ? -ENOMEM : -EINVAL;
	snprintf(buf, len, "%s", name);
	free(name);
	return 0;
}

int demangle(const char *sym, char *buf, size_t len)
{
	if (!len)
		return -EINVAL;
	if (!rust_demangle(sym, buf, len))
		return 0;
	return cxx_demangle(sym, buf, len);
}
