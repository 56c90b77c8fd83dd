// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "symbolize/demangle.h"

#define NAME_LEN 512
#define NTHREADS 4
#define LESS_SYM "_ZNK5outer5inner6WidgetltERKS1_"
#define LESS_NAME "outer::inner::Widget::operator<(outer::inner::Widget const&) const"

struct case_ {
	const char *sym, *want;
};

static void demangled_is(const char *sym, const char *want)
{
	char buf[NAME_LEN];
	int rc = demangle(sym, buf, sizeof(buf));

	cr_assert_eq(rc, 0, "%s: %d", sym, rc);
	cr_expect_str_eq(buf, want, "%s", sym);
}

static void not_mangled(const char *sym)
{
	char buf[NAME_LEN];

	memset(buf, 'x', sizeof(buf));
	cr_expect_eq(demangle(sym, buf, sizeof(buf)), -EINVAL, "%s", sym);
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], 'x', "%s: byte %zu written", sym, i);
}

/* Names as g++ 12 emits them for a small program of templates, operators and a lambda. */
Test(demangle, cxx)
{
	static const struct case_ cases[] = {
		{"_Z3runi", "run(int)"},
		{"_ZN3foo3barEv", "foo::bar()"},
		{"_ZN5outer5inner5twiceIlEET_S2_", "long outer::inner::twice<long>(long)"},
		{"_ZN5outer5inner6WidgetpLEi", "outer::inner::Widget::operator+=(int)"},
		{LESS_SYM, LESS_NAME},
		{"_ZZ3runiENKUliE_clEi", "run(int)::{lambda(int)#1}::operator()(int) const"},
		{"_ZNSt6vectorIiSaIiEE9push_backEOi",
		 "std::vector<int, std::allocator<int> >::push_back(int&&)"},
		{"_ZNSt6vectorIiSaIiEED2Ev", "std::vector<int, std::allocator<int> >::~vector()"},
		{"_ZN9__gnu_cxx13new_allocatorIcED1Ev",
		 "__gnu_cxx::new_allocator<char>::~new_allocator()"},
		{"_ZNSt15__exception_ptr13exception_ptr10_M_releaseEv.cold",
		 "std::__exception_ptr::exception_ptr::_M_release() [clone .cold]"},
		{"_ZSt4cout", "std::cout"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		demangled_is(cases[i].sym, cases[i].want);
}

/* Legacy Rust names, from the standard library and rustc-demangle's own tests. */
Test(demangle, rust_legacy)
{
	static const struct case_ cases[] = {
		{"_ZN4core3fmt9Formatter3pad17h3b4f0d7e5b8d1e2aE", "core::fmt::Formatter::pad"},
		{"_ZN3std2rt10lang_start17h6bbc1ff1a4d3ac3dE", "std::rt::lang_start"},
		{"_ZN4core5slice77_$LT$impl$u20$core..ops..index..IndexMut$LT$I$GT$"
		 "$u20$for$u20$$u5b$T$u5d$$GT$9index_mut17haf9727c2edfbc47bE",
		 "core::slice::<impl core::ops::index::IndexMut<I> for [T]>::index_mut"},
		{"_ZN71_$LT$Test$u20$$u2b$$u20$$u27$static$u20$as$u20$foo..Bar$LT$Test$GT$$GT$"
		 "3bar17h930b740aa94f1d3aE",
		 "<Test + 'static as foo::Bar<Test>>::bar"},
		{"_ZN4core3ptr13drop_in_place17h3a1cf2c5f0e2b9d4E.llvm.1234567890",
		 "core::ptr::drop_in_place"},
		{"_ZN3foo23$RF$$BP$$SP$$LP$$RP$$C$17h0123456789abcdefE", "foo::&*@(),"},
		{"_ZN1a6$u3bb$17h0123456789abcdefE", "a::\xce\xbb"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		demangled_is(cases[i].sym, cases[i].want);
}

/* What does not decode as Rust is left to the C++ demangler, which reads it as Itanium. */
Test(demangle, rust_lookalikes)
{
	/* No hash: a C++ variable. */
	demangled_is("_ZN3foo3barE", "foo::bar");
	/* An escape rustc never writes. */
	demangled_is("_ZN1a4$XY$17h0123456789abcdefE", "a::$XY$::h0123456789abcdef");
	/* The hash alone is no path. */
	demangled_is("_ZN17h0123456789abcdefE", "h0123456789abcdef");
	/* A hash that is not last, and one of the wrong length. */
	demangled_is("_ZN3foo17h0123456789abcdef3barE", "foo::h0123456789abcdef::bar");
	demangled_is("_ZN3foo16h0123456789abcdeE", "foo::h0123456789abcde");
}

Test(demangle, not_mangled)
{
	static const char *const syms[] = {
		"",
		"main",
		"pthread_mutex_lock",
		"i", /* __cxa_demangle() alone would say "int" */
		"_Z",
		"_Zfoo",
		"_ZN3fooE@@GLIBCXX_3.4",
		"_ZN99foo17h0123456789abcdefE",
		"_R",
		"_RNvCs1234_7mycrate3foo", /* Rust v0 */
	};

	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
		not_mangled(syms[i]);
}

Test(demangle, truncation_and_bad_buffer)
{
	char buf[8], one = 'x';

	cr_assert_eq(demangle("_ZN3foo3barEv", buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "foo::ba");
	cr_assert_eq(demangle("_ZN4core3fmt9Formatter3pad17h3b4f0d7e5b8d1e2aE", buf, sizeof(buf)),
		     0);
	cr_expect_str_eq(buf, "core::f");
	cr_assert_eq(demangle("_ZN3foo3barEv", &one, 1), 0);
	cr_expect_eq(one, '\0');
	one = 'x';
	cr_expect_eq(demangle("_ZN3foo3barEv", &one, 0), -EINVAL);
	cr_expect_eq(one, 'x');
}

static char failed;

static void *demangle_many(void *arg)
{
	char buf[NAME_LEN];

	(void)arg;
	for (int i = 0; i < 200; i++) {
		if (demangle(LESS_SYM, buf, sizeof(buf)) || strcmp(buf, LESS_NAME))
			return &failed;
	}
	return NULL;
}

/* The first C++ name loads libstdc++: threads racing to it must all get the demangler. */
Test(demangle, threads)
{
	pthread_t t[NTHREADS];
	void *ret;

	for (int i = 0; i < NTHREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, demangle_many, NULL), 0);
	for (int i = 0; i < NTHREADS; i++) {
		cr_assert_eq(pthread_join(t[i], &ret), 0);
		cr_expect_null(ret, "thread %d", i);
	}
}
