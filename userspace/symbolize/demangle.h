/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Readable names for mangled symbols: C++ (Itanium ABI, "_Z...", what GCC and Clang emit on
 * Linux) and Rust's legacy scheme (stable rustc's default: an Itanium-shaped
 * "_ZN...17h<16 hex digits>E" whose path segments escape "<>&*@(), " as "$LT$", "$u20$"...).
 *
 * C++ goes through __cxa_demangle() of libstdc++, built from the same cp-demangle.c as the
 * libiberty that c++filt and gdb use. It was chosen over libiberty's cplus_demangle(), which would
 * decode Rust itself, for its baggage: libstdc++.so.6 is on every Debian system (apt itself needs
 * it), while libiberty is a static library in a package of its own (libiberty-dev) that the build
 * would have to install. libstdc++ is not linked but opened with dlopen() on the first C++ name:
 * -lstdc++ would have gilprof load it at start, and need a link flag, for the few traced programs
 * that are C++. __cxa_demangle() knows nothing of Rust: it turns a legacy Rust symbol into
 * "core::fmt::Formatter::pad::h3b4f0d7e5b8d1e2a" with its escapes kept. That scheme is simple
 * enough to decode here, as rustc-demangle does: segments joined by "::", escapes decoded, the
 * hash dropped ("core::fmt::Formatter::pad"). Rust's v0 scheme ("_R...", opt-in with
 * -C symbol-mangling-version=v0) is not decoded.
 */
#ifndef GP_DEMANGLE_H
#define GP_DEMANGLE_H

#include <stddef.h>

/*
 * Demangle sym: "_ZN3foo3barEv" gives "foo::bar()", "_ZN3foo3barEv.cold" gives
 * "foo::bar() [clone .cold]". Writes the NUL-terminated name into buf, truncated to len. Returns
 * 0; -EINVAL when sym is not a mangled name (C names, "_Z" followed by garbage, version-suffixed
 * "name@@VER") or len is 0; -ENOMEM; -ENOSYS when a C++ name cannot be demangled because
 * libstdc++.so.6 cannot be loaded. buf is untouched unless 0 is returned. Thread-safe.
 */
int demangle(const char *sym, char *buf, size_t len);

#endif /* GP_DEMANGLE_H */
