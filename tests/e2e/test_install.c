// SPDX-License-Identifier: GPL-2.0
/*
 * Packaging: make install into a staging DESTDIR (the tree, the modes, the caller's CFLAGS and
 * LDFLAGS in the binary, make uninstall), an installed gilprof run from / finding its installed
 * workloads and refusing them when another user could change them, the man page (renders
 * without warnings, lists every option each command's --help lists), gilprof help COMMAND, and
 * the bash completion. Each install builds into a build tree of its own, so the tree the other
 * tests use keeps its flags and paths.
 */
#include <ftw.h>
#include <sys/stat.h>
#include "e2e.h"

#ifndef GP_SRCDIR
#error "GP_SRCDIR: the source tree, from the Makefile"
#endif

#define OUT_MAX (1 << 18)
/* What a distribution passes (dpkg-buildflags gives these and more): each must reach the
 * binary, -z now as BIND_NOW and -fstack-protector-strong as calls to __stack_chk_fail. */
#define USER_CFLAGS "-O2 -g -fstack-protector-strong"
#define USER_LDFLAGS "-Wl,-z,relro -Wl,-z,now"

/* Run a shell command; its stdout and stderr (together) into out. Returns its exit status. */
static int sh(char *out, size_t len, const char *fmt, ...)
{
	char cmd[8192];
	size_t off = 0, n;
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	p = popen(cmd, "r");
	cr_assert_not_null(p, "popen %s", cmd);
	while (off + 1 < len && (n = fread(out + off, 1, len - 1 - off, p)) > 0)
		off += n;
	out[off] = 0;
	while (fgetc(p) != EOF) /* what did not fit */
		;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* make in the source tree, as if from a shell: not the make that runs these tests (its
 * MAKEFLAGS would bring its jobserver and its command-line variables). */
static int make(char *out, size_t len, const char *tmp, const char *fmt, ...)
{
	char args[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	return sh(out, len,
		  "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u CFLAGS -u CPPFLAGS -u LDFLAGS "
		  "make -C '%s' --no-print-directory -j2 OUT='%s/build' CFLAGS='" USER_CFLAGS
		  "' LDFLAGS='" USER_LDFLAGS "' %s",
		  GP_SRCDIR, tmp, args);
}

static char *tmpdir(void)
{
	char *t = strdup("/tmp/gilprof-install-XXXXXX");

	cr_assert_not_null(mkdtemp(t));
	return t;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_tree(char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

/* The regular files under dir, one "path mode" line each, sorted. */
static void files_under(const char *dir, char *out, size_t len)
{
	sh(out, len, "cd '%s' && find . -type f -printf '%%P %%m\\n' | LC_ALL=C sort", dir);
}

/* The bundled workloads' names, as gilprof workloads lists them. */
static void workload_names(char *out, size_t len)
{
	sh(out, len, "'%s' workloads | awk '{ print $1 }'", e2e_gilprof());
}

/* How many objects make's output says it compiled, besides the one named but. */
static int compiled(const char *out, const char *but)
{
	const char *l;
	int n = 0;

	for (l = out; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);

		if (!strncmp(l, "  CC ", 5) &&
		    !(len >= strlen(but) && !strncmp(l + len - strlen(but), but, strlen(but))))
			n++;
	}
	return n;
}

/* Every file make install puts under DESTDIR with PREFIX=/usr, with its mode, sorted as
 * files_under sorts. */
static void expected_files(char *out, size_t len)
{
	char names[1024], schemas[4096], all[8192], *save = NULL, *n;
	size_t off = 0;

	workload_names(names, sizeof(names));
	off += snprintf(all + off, sizeof(all) - off,
			"usr/bin/gilprof 755\nusr/share/man/man1/gilprof.1 644\n"
			"usr/share/bash-completion/completions/gilprof 644\n"
			"usr/share/doc/gilprof/README.md 644\n");
	for (n = strtok_r(names, "\n", &save); n; n = strtok_r(NULL, "\n", &save))
		off += snprintf(all + off, sizeof(all) - off, "usr/libexec/gilprof/%s 755\n", n);
	/* the schemas in doc/ now, whichever they are */
	sh(schemas, sizeof(schemas),
	   "cd '%s/doc' && for f in *.schema.json; do "
	   "[ -e \"$f\" ] && echo \"usr/share/doc/gilprof/$f 644\"; done; true",
	   GP_SRCDIR);
	snprintf(all + off, sizeof(all) - off, "%s", schemas);
	sh(out, len, "printf '%%s' '%s' | LC_ALL=C sort", all);
}

Test(install, staged_tree_with_the_callers_flags, .timeout = 600)
{
	static char out[OUT_MAX], got[8192], want[8192], buf[4096];
	char *tmp = tmpdir(), stage[256], bin[320];

	snprintf(stage, sizeof(stage), "%s/stage", tmp);
	snprintf(bin, sizeof(bin), "%s/usr/bin/gilprof", stage);
	cr_assert_eq(make(out, sizeof(out), tmp, "PREFIX=/usr DESTDIR='%s' install", stage), 0,
		     "make install failed:\n%s", out);

	/* exactly these files, with these modes, nothing else */
	files_under(stage, got, sizeof(got));
	expected_files(want, sizeof(want));
	cr_assert_str_eq(got, want, "installed under %s:\n%s\nexpected:\n%s", stage, got, want);
	cr_log_info("make install DESTDIR=%s PREFIX=/usr:\n%s", stage, got);

	/* the caller's CFLAGS and LDFLAGS reached the binary, gilprof's own flags came too */
	cr_assert_eq(sh(buf, sizeof(buf), "readelf -lW '%s' | grep -c GNU_RELRO", bin), 0,
		     "no GNU_RELRO in %s", bin);
	cr_assert_eq(
		sh(buf, sizeof(buf), "readelf -dW '%s' | grep -E 'FLAGS.*(BIND_NOW|NOW)'", bin), 0,
		"LDFLAGS=" USER_LDFLAGS " did not reach %s (no BIND_NOW)", bin);
	cr_assert_eq(sh(buf, sizeof(buf), "readelf -sW '%s' | grep -c __stack_chk_fail", bin), 0,
		     "CFLAGS=" USER_CFLAGS " did not reach %s (no __stack_chk_fail)", bin);
	cr_assert_eq(sh(buf, sizeof(buf),
			"grep -e '" USER_CFLAGS
			" -std=gnu11 -Wall -Wextra -Werror' '%s/build/flags'",
			tmp),
		     0, "the compile flags are not the caller's then gilprof's: %s", buf);

	/* the installed man page names where this prefix keeps the workloads and the docs */
	cr_assert_eq(sh(buf, sizeof(buf),
			"grep -c -e '^.I /usr/libexec/gilprof/$' -e "
			"'/usr/share/doc/gilprof/README.md' '%s/usr/share/man/man1/gilprof.1'",
			stage),
		     0, "%s", buf);
	cr_assert_str_eq(buf, "2\n");

	/* another PREFIX rebuilds the workload finder only; the same one nothing */
	cr_assert_eq(make(out, sizeof(out), tmp, "PREFIX=/opt/gp DESTDIR='%s' install", stage), 0,
		     "%s", out);
	cr_assert_eq(compiled(out, "/obj/cli/workloads.o"), 0,
		     "a PREFIX change rebuilt more than the workload finder:\n%s", out);
	cr_assert_not_null(strstr(out, "/obj/cli/workloads.o"), "%s", out);
	cr_assert_eq(make(out, sizeof(out), tmp, "PREFIX=/opt/gp DESTDIR='%s' install", stage), 0,
		     "%s", out);
	cr_assert_null(strstr(out, "  CC "), "nothing changed, yet:\n%s", out);
	cr_assert_null(strstr(out, "  LINK "), "nothing changed, yet:\n%s", out);

	/* uninstall takes away every file that install put there */
	cr_assert_eq(make(out, sizeof(out), tmp, "PREFIX=/usr DESTDIR='%s' uninstall", stage), 0,
		     "%s", out);
	cr_assert_eq(make(out, sizeof(out), tmp, "PREFIX=/opt/gp DESTDIR='%s' uninstall", stage), 0,
		     "%s", out);
	files_under(stage, got, sizeof(got));
	cr_assert_str_empty(got, "left after make uninstall:\n%s", got);
	snprintf(buf, sizeof(buf), "%s/usr/libexec/gilprof", stage);
	cr_assert_neq(access(buf, F_OK), 0, "%s is still there", buf);
	rm_tree(tmp);
}

/* Run gilprof from / with args, through sh (so that the workload's output comes too). */
static int run_from_root(char *out, size_t len, const char *gilprof, const char *args)
{
	return sh(out, len, "cd / && '%s' %s", gilprof, args);
}

Test(install, installed_gilprof_runs_its_workloads_from_anywhere, .timeout = 600)
{
	static char out[OUT_MAX], want[1024], buf[4096];
	char *tmp = tmpdir(), prefix[256], gilprof[320], libexec[320];

	e2e_require_root();
	/* a prefix where no build tree is: bin/workloads/ does not exist */
	snprintf(prefix, sizeof(prefix), "%s/prefix", tmp);
	snprintf(gilprof, sizeof(gilprof), "%s/bin/gilprof", prefix);
	snprintf(libexec, sizeof(libexec), "%s/libexec/gilprof", prefix);
	cr_assert_eq(make(out, sizeof(out), tmp, "PREFIX='%s' install", prefix), 0, "%s", out);

	cr_assert_eq(run_from_root(out, sizeof(out), gilprof,
				   "run --no-status countdown --threads 2 --count 1000000"),
		     0, "%s", out);
	/* the report's first line is the command it ran: the installed workload */
	snprintf(want, sizeof(want),
		 "\ngilprof: %s/countdown --threads 2 --count 1000000  (exit status 0)\n", libexec);
	cr_assert_not_null(strstr(out, want), "not the installed workload:\n%s", out);
	cr_log_info("cd / && %s run countdown ran %s/countdown", gilprof, libexec);

	/* a build tree's workloads, beside the binary, come first */
	cr_assert_eq(sh(buf, sizeof(buf),
			"mkdir '%s/bin/workloads' && cp '%s/countdown' '%s/bin/"
			"workloads/'",
			prefix, libexec, prefix),
		     0, "%s", buf);
	cr_assert_eq(
		run_from_root(out, sizeof(out), gilprof, "run --no-status countdown --count 1000"),
		0, "%s", out);
	snprintf(want, sizeof(want), "\ngilprof: %s/bin/workloads/countdown --count 1000 ", prefix);
	cr_assert_not_null(strstr(out, want), "not the build tree's workload:\n%s", out);
	sh(buf, sizeof(buf), "rm -r '%s/bin/workloads'", prefix);

	/* a directory on the way that others may write: nothing runs, one line says why */
	cr_assert_eq(chmod(libexec, 0775), 0);
	cr_assert_eq(run_from_root(out, sizeof(out), gilprof, "run countdown --count 1000"), 1,
		     "%s", out);
	cr_assert_not_null(strstr(out, "is writable by others than its owner (mode 0775)"), "%s",
			   out);
	cr_assert_eq(e2e_lines(out), 1, "%s", out);
	cr_assert_eq(chmod(libexec, 0755), 0);
	/* a workload another user owns */
	snprintf(buf, sizeof(buf), "%s/countdown", libexec);
	cr_assert_eq(chown(buf, 65534, 0), 0);
	cr_assert_eq(run_from_root(out, sizeof(out), gilprof, "run countdown --count 1000"), 1,
		     "%s", out);
	cr_assert_not_null(strstr(out, "countdown belongs to uid 65534"), "%s", out);
	cr_assert_eq(chown(buf, 0, 0), 0);
	/* never a path relative to the current directory */
	cr_assert_eq(sh(out, sizeof(out),
			"cd / && GILPROF_WORKLOADS=tmp '%s' run countdown --count 1000", gilprof),
		     1, "%s", out);
	cr_assert_not_null(strstr(out, "GILPROF_WORKLOADS=tmp is not absolute"), "%s", out);
	rm_tree(tmp);
}

Test(install, man_page_renders_without_warnings)
{
	char out[8192];

	cr_assert_eq(sh(out, sizeof(out),
			"{ man --warnings -l '%s/doc/gilprof.1' 2>&1 >/dev/null; }", GP_SRCDIR),
		     0, "%s", out);
	cr_assert_str_empty(out, "man --warnings -l doc/gilprof.1:\n%s", out);
	/* every groff warning, not only man's default set */
	cr_assert_eq(sh(out, sizeof(out), "groff -man -ww -z -Tutf8 '%s/doc/gilprof.1'", GP_SRCDIR),
		     0, "%s", out);
	cr_assert_str_empty(out, "groff -man -ww doc/gilprof.1:\n%s", out);
}

/* The commands, from the "  NAME  description" lines of gilprof help. */
static size_t commands(char names[][32], size_t max)
{
	char out[4096], *save = NULL, *l;
	size_t n = 0;

	cr_assert_eq(sh(out, sizeof(out), "'%s' help", e2e_gilprof()), 0, "%s", out);
	for (l = strtok_r(out, "\n", &save); l && n < max; l = strtok_r(NULL, "\n", &save))
		if (!strncmp(l, "  ", 2) && l[2] != ' ' &&
		    sscanf(l + 2, "%31[a-z] ", names[n]) == 1)
			n++;
	cr_assert_geq(n, 8, "gilprof help lists %zu commands", n);
	return n;
}

/*
 * The options a --help lists: lines that start (after spaces) with "-X, --long", "--long" or
 * "-X", as doc/gilprof.bash reads them. Written space-separated into opts.
 */
static void help_options(const char *cmd, char *opts, size_t len)
{
	static char out[OUT_MAX];
	char *save = NULL, *l, *p;
	size_t off = 0;

	cr_assert_eq(sh(out, sizeof(out), "'%s' %s --help", e2e_gilprof(), cmd), 0, "%s", out);
	opts[0] = 0;
	for (l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (*l != ' ')
			continue;
		for (p = l; *p == ' '; p++)
			;
		if (p[0] == '-' && p[1] != '-' && p[1] && p[1] != ' ') {
			off += snprintf(opts + off, len - off, "%.2s ", p);
			p += 2;
			if (!strncmp(p, ", ", 2))
				p += 2;
		}
		if (!strncmp(p, "--", 2))
			off += snprintf(opts + off, len - off, "%.*s ",
					(int)strspn(p, "-abcdefghijklmnopqrstuvwxyz0123456789"), p);
	}
}

/* doc/gilprof.1 as (heading, tag) pairs: each .TP's tag line under the .SS before it, with
 * fonts and macro names stripped and \- made -, one "heading\ttag" line each. */
static void man_tags(char *out, size_t len)
{
	char path[4096], line[1024], heading[256] = "", tag[1024];
	bool next_is_tag = false;
	size_t off = 0, i, k;
	FILE *f;

	snprintf(path, sizeof(path), "%s/doc/gilprof.1", GP_SRCDIR);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	out[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, ".SS ", 4) || !strncmp(line, ".SH ", 4)) {
			snprintf(heading, sizeof(heading), "%.200s", line + 4);
			continue;
		}
		if (!strcmp(line, ".TP")) {
			next_is_tag = true;
			continue;
		}
		if (!next_is_tag)
			continue;
		next_is_tag = false;
		/* ".BR \-o ", " \-\-output " \fIFILE\fR"" -> " -o ,  --output  FILE" */
		for (i = 0, k = 0; line[i] && k + 1 < sizeof(tag); i++) {
			if (line[i] == '\\' && line[i + 1] == 'f' && line[i + 2]) {
				i += 2;
			} else if (line[i] == '\\' && line[i + 1] == '-') {
				tag[k++] = '-';
				i++;
			} else if (line[i] != '"') {
				tag[k++] = line[i];
			}
		}
		tag[k] = 0;
		off += snprintf(out + off, len - off, "%s\t %s \n", heading,
				tag + strcspn(tag, " "));
	}
	fclose(f);
}

static bool word_in(const char *s, const char *w, size_t wlen, const char *seps)
{
	const char *p;

	for (p = strstr(s, w); p; p = strstr(p + 1, w))
		if ((p == s || strchr(seps, p[-1])) && strchr(seps, p[wlen]))
			return true;
	return false;
}

/* Is opt in a tag under a heading that names cmd (or "every command")? */
static bool man_has(const char *tags, const char *cmd, const char *opt)
{
	char line[1400], w[64];
	const char *l, *e;

	for (l = tags; *l; l = *e ? e + 1 : e) {
		char *tab;

		e = strchr(l, '\n');
		if (!e)
			e = l + strlen(l);
		snprintf(line, sizeof(line), "%.*s", (int)(e - l), l);
		tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = 0;
		snprintf(w, sizeof(w), "%s", cmd);
		if (!word_in(line, w, strlen(w), " (),\"") && !strstr(line, "every command"))
			continue;
		if (word_in(tab + 1, opt, strlen(opt), " ,|["))
			return true;
	}
	return false;
}

Test(install, man_page_has_every_option_of_every_help)
{
	static char tags[1 << 16], opts[4096], missing[8192];
	char names[16][32], *save = NULL, *o;
	size_t n = commands(names, 16), i, off = 0;

	man_tags(tags, sizeof(tags));
	for (i = 0; i < n; i++) {
		help_options(names[i], opts, sizeof(opts));
		for (o = strtok_r(opts, " ", &save); o; o = strtok_r(NULL, " ", &save))
			if (!man_has(tags, names[i], o))
				off += snprintf(missing + off, sizeof(missing) - off,
						"  %s of 'gilprof %s --help'\n", o, names[i]);
	}
	cr_assert_eq(off, 0,
		     "doc/gilprof.1 lacks these options (each belongs in a .TP tag under a .SS "
		     "heading that names its command):\n%s",
		     missing);
}

Test(install, help_command_is_the_commands_help)
{
	char names[16][32];
	size_t n = commands(names, 16), i;
	struct e2e_run *a, *b;

	for (i = 0; i < n; i++) {
		a = e2e_gilprof_run(NULL, (const char *[]){"help", names[i], NULL});
		b = e2e_gilprof_run(NULL, (const char *[]){names[i], "--help", NULL});
		cr_assert_eq(a->status, 0, "gilprof help %s: exit %d: %s", names[i], a->status,
			     a->err);
		cr_assert_str_eq(a->out, b->out, "gilprof help %s differs from gilprof %s --help",
				 names[i], names[i]);
		e2e_free(a);
		e2e_free(b);
	}
	/* a prefix, as for the commands themselves */
	a = e2e_gilprof_run(NULL, (const char *[]){"help", "fl", NULL});
	b = e2e_gilprof_run(NULL, (const char *[]){"flamegraph", "--help", NULL});
	cr_assert_str_eq(a->out, b->out);
	e2e_free(a);
	e2e_free(b);
	a = e2e_gilprof_run(NULL, (const char *[]){"help", NULL});
	b = e2e_gilprof_run(NULL, (const char *[]){"--help", NULL});
	cr_assert_eq(a->status, 0);
	cr_assert_str_eq(a->out, b->out);
	e2e_free(a);
	e2e_free(b);
	a = e2e_gilprof_run(NULL, (const char *[]){"help", "nonsense", NULL});
	cr_assert_eq(a->status, 2, "exit %d", a->status);
	cr_assert_str_empty(a->out);
	cr_assert_eq(e2e_lines(a->err), 1, "%s", a->err);
	cr_assert_not_null(strstr(a->err, "'nonsense'"), "%s", a->err);
	e2e_free(a);
}

/* The completions bash offers for words (the last one being completed), one line. */
static void complete(const char *script, const char *words, char *out, size_t len)
{
	cr_assert_eq(
		sh(out, len,
		   "bash --norc --noprofile -c 'source \"$0\"; COMP_WORDS=(\"$1\" %s); "
		   "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _gilprof; echo \"${COMPREPLY[*]}\"' "
		   "'%s' '%s'",
		   words, script, e2e_gilprof()),
		0, "%s", out);
	out[strcspn(out, "\n")] = 0;
}

Test(install, bash_completion)
{
	char script[4096], out[8192], opts[4096], want[128], *o, *save = NULL;
	static const struct {
		const char *words, *want;
	} cases[] = {
		{"r", "run record report"},
		{"\"\"", "run record report diff top monitor workloads flamegraph help version"},
		{"run --vi", "--view"},
		{"run --view \"\"", "on off wall lock wake"},
		{"ru --view w", "wall wake"},
		{"run --call-graph \"\"", "fp dwarf"},
		{"flamegraph --kind \"\"", "cpu lock-wait runqueue sleep waker"},
		{"flamegraph --unit n", "nanoseconds"},
		{"run co", "countdown convoy"},
		{"record -o x.data sq", "squares"},
		{"help re", "record report"},
		{"run -- countdown --vi", ""}, /* the command's words are not gilprof's */
		{"r --vi", ""}, /* ambiguous: run, record or report */
	};
	size_t i;

	snprintf(script, sizeof(script), "%s/doc/gilprof.bash", GP_SRCDIR);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		complete(script, cases[i].words, out, sizeof(out));
		cr_assert_str_eq(out, cases[i].want, "gilprof %s<TAB> gives '%s', not '%s'",
				 cases[i].words, out, cases[i].want);
	}
	/* -p: process ids, after a comma too */
	snprintf(want, sizeof(want), "run -p 1,%d", getpid());
	complete(script, want, out, sizeof(out));
	snprintf(want, sizeof(want), "1,%d", getpid());
	cr_assert(word_in(out, want, strlen(want), " "), "-p %s<TAB>: %s", want, out);
	/* every option of report's --help */
	complete(script, "report -", out, sizeof(out));
	help_options("report", opts, sizeof(opts));
	for (o = strtok_r(opts, " ", &save); o; o = strtok_r(NULL, " ", &save))
		cr_assert(word_in(out, o, strlen(o), " "), "report -<TAB> lacks %s: %s", o, out);
}

/* The values the completion offers are the values gilprof takes. */
Test(install, completed_values_are_accepted)
{
	static const char *const views[] = {"on", "off", "wall", "lock", "wake"};
	static const char *const kinds[] = {"cpu", "lock-wait", "runqueue", "sleep", "waker"};
	static const char *const units[] = {"samples", "nanoseconds"};
	struct e2e_run *r;
	size_t i;

	for (i = 0; i < 5; i++) {
		r = e2e_gilprof_run(NULL, (const char *[]){"report", "--view", views[i],
							   "/nonexistent/gilprof.data", NULL});
		cr_assert_null(strstr(r->err, "--view must"), "%s", r->err);
		e2e_free(r);
		r = e2e_gilprof_run(NULL, (const char *[]){"flamegraph", "--kind", kinds[i],
							   "/nonexistent.folded", "-o", "-", NULL});
		cr_assert_null(strstr(r->err, "--kind must"), "%s", r->err);
		e2e_free(r);
	}
	for (i = 0; i < 2; i++) {
		r = e2e_gilprof_run(NULL, (const char *[]){"flamegraph", "--unit", units[i],
							   "/nonexistent.folded", "-o", "-", NULL});
		cr_assert_null(strstr(r->err, "--unit must"), "%s", r->err);
		e2e_free(r);
	}
	/* and the check would see a refusal */
	r = e2e_gilprof_run(NULL, (const char *[]){"report", "--view", "bogus", "x", NULL});
	cr_assert_not_null(strstr(r->err, "--view must"), "%s", r->err);
	e2e_free(r);
}
