// SPDX-License-Identifier: GPL-2.0
/*
 * gilprof runs as root for a sudo user: nothing that user names, and nothing the traced program
 * (running as that user) plants, may make root do what the user could not. Every test runs
 * gilprof as root with SUDO_UID/SUDO_GID of nobody, as `sudo gilprof` would.
 */
#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include "e2e.h"

#define NOBODY 65534

static void as_nobody(void)
{
	e2e_require_root();
	setenv("SUDO_UID", "65534", 1);
	setenv("SUDO_GID", "65534", 1);
}

/* A directory of nobody's (dir holds the template's room) or of root's with mode. */
static void dir_make(char *dir, size_t len, const char *what, bool nobodys, mode_t mode)
{
	snprintf(dir, len, "/tmp/gilprof-e2e-sec-%s-XXXXXX", what);
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(chmod(dir, mode), 0);
	if (nobodys)
		cr_assert_eq(chown(dir, NOBODY, NOBODY), 0);
}

static void text_put(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
	cr_assert_eq(chmod(path, mode), 0);
}

static void text_is(const char *path, const char *want)
{
	char buf[256] = "";
	int fd = open(path, O_RDONLY);

	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_geq(read(fd, buf, sizeof(buf) - 1), 0);
	close(fd);
	cr_assert_str_eq(buf, want, "%s was changed", path);
}

static void owned_by(const char *path, uid_t uid)
{
	struct stat st;

	cr_assert_eq(lstat(path, &st), 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(st.st_uid, uid, "%s belongs to uid %u", path, st.st_uid);
}

static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

/* gilprof with args, expected to refuse with status and a one-line reason containing needle. */
static void refused(const char *const args[], int status, const char *needle)
{
	struct e2e_run *r = e2e_gilprof_run(NULL, args);

	cr_assert_eq(r->status, status, "exit %d, expected %d: %s", r->status, status, r->err);
	cr_assert_not_null(strstr(r->err, needle), "stderr lacks '%s': %s", needle, r->err);
	cr_assert_eq(e2e_lines(r->err), 1, "one line expected: %s", r->err);
	e2e_free(r);
}

Test(security, a_root_directory_cannot_be_written_through_gilprof, .timeout = 60)
{
	char root[64], user[64], out[128], ran[128], cmd[256], victim[128];

	as_nobody();
	dir_make(root, sizeof(root), "root", false, 0700);
	dir_make(user, sizeof(user), "user", true, 0755);
	snprintf(out, sizeof(out), "%s/passwd", root);
	snprintf(ran, sizeof(ran), "%s/ran", user);
	snprintf(cmd, sizeof(cmd), "touch %s", ran);
	refused((const char *[]){"run", "-o", out, "--", "sh", "-c", cmd, NULL}, 2,
		"Permission denied");
	cr_assert(!exists(out), "root's directory got a file");
	cr_assert(!exists(ran), "the command ran although its output was refused");
	/* A root file in the sticky /tmp: the user may create beside it but not replace it. */
	snprintf(victim, sizeof(victim), "%s-victim", root);
	text_put(victim, "root's\n", 0644);
	refused((const char *[]){"run", "--json", victim, "--", "true", NULL}, 2,
		"Permission denied");
	text_is(victim, "root's\n");
	owned_by(victim, 0);
	unlink(victim);
	rmdir(root);
	rmdir(user);
}

Test(security, links_planted_by_the_user_or_the_target_lead_nowhere, .timeout = 60)
{
	char root[64], user[64], victim[128], out[128], tmp[128], link[128], cmd[512];
	struct e2e_run *r;

	as_nobody();
	dir_make(root, sizeof(root), "root", false, 0755);
	dir_make(user, sizeof(user), "user", true, 0755);
	snprintf(victim, sizeof(victim), "%s/victim", root);
	text_put(victim, "secret\n", 0600);
	snprintf(out, sizeof(out), "%s/out.txt", user);
	snprintf(tmp, sizeof(tmp), "%s/out.txt.tmp", user);
	snprintf(link, sizeof(link), "%s/link.txt", user);
	/* Before the run: the old temporary name, and the output itself, as links to root's file. */
	cr_assert_eq(symlink(victim, tmp), 0);
	cr_assert_eq(lchown(tmp, NOBODY, NOBODY), 0);
	cr_assert_eq(symlink(victim, link), 0);
	cr_assert_eq(lchown(link, NOBODY, NOBODY), 0);
	refused((const char *[]){"run", "-o", link, "--", "true", NULL}, 2, "Permission denied");
	text_is(victim, "secret\n");
	/* During the run the target (nobody) plants more links where a temporary could be. */
	snprintf(cmd, sizeof(cmd),
		 "for n in out.txt.tmp .out.txt.tmp out.txt.json.tmp; do "
		 "ln -sf %s %s/$n.x; done; ln -sf %s %s/out.json.tmp",
		 victim, user, victim, user);
	r = e2e_gilprof_run(NULL, (const char *[]){"run", "--no-status", "-o", out, "--json",
						   "/dev/null", "--", "sh", "-c", cmd, NULL});
	cr_assert_eq(r->status, 0, "%d: %s", r->status, r->err);
	e2e_free(r);
	text_is(victim, "secret\n");
	owned_by(victim, 0);
	owned_by(out, NOBODY);
	owned_by(tmp, NOBODY); /* still the link, untouched */
	cr_assert_eq(system("rm -rf /tmp/gilprof-e2e-sec-user-* /tmp/gilprof-e2e-sec-root-*"), 0);
}

/* A child blocked opening fifo (O_WRONLY for a reader's open to release, or O_RDONLY). */
static pid_t fifo_waiter(const char *fifo, int flags)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open(fifo, flags);

		_exit(fd >= 0 ? 0 : 1);
	}
	return pid;
}

/* The waiter is still blocked: nobody opened the FIFO's other end. */
static void fifo_never_opened(pid_t waiter)
{
	int st;

	usleep(200000);
	cr_assert_eq(waitpid(waiter, &st, WNOHANG), 0, "gilprof opened the FIFO");
	kill(waiter, SIGKILL);
	waitpid(waiter, &st, 0);
}

Test(security, an_output_link_to_a_fifo_is_refused_without_opening_it, .timeout = 60)
{
	char root[64], user[64], fifo[128], link[128];
	pid_t reader;

	as_nobody();
	dir_make(root, sizeof(root), "root", false, 0755);
	dir_make(user, sizeof(user), "user", true, 0755);
	snprintf(fifo, sizeof(fifo), "%s/fifo", root);
	snprintf(link, sizeof(link), "%s/report", user);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_assert_eq(symlink(fifo, link), 0);
	reader = fifo_waiter(fifo, O_RDONLY);
	refused((const char *[]){"run", "-o", link, "--", "true", NULL}, 2, "only regular files");
	fifo_never_opened(reader);
	cr_assert_eq(system("rm -rf /tmp/gilprof-e2e-sec-user-* /tmp/gilprof-e2e-sec-root-*"), 0);
}

static void run_shell(const char *fmt, const char *a, const char *b)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/*
 * A stripped program whose .gnu_debuglink names mc.debug beside it. First a real debug file
 * there (so the lookup is seen to happen: the lock gets its symbol), then the user's link to a
 * root FIFO in its place, which root must not open.
 */
Test(security, the_debug_file_lookup_opens_no_fifo_through_the_users_link, .timeout = 120)
{
	char root[64], user[64], fifo[128], prog[128], dbg[128], truth[128], json[128];
	struct e2e_run *r;
	size_t rank;
	pid_t writer;

	as_nobody();
	dir_make(root, sizeof(root), "root", false, 0755);
	dir_make(user, sizeof(user), "user", true, 0755);
	snprintf(fifo, sizeof(fifo), "%s/fifo", root);
	snprintf(prog, sizeof(prog), "%s/mc", user);
	snprintf(dbg, sizeof(dbg), "%s/mc.debug", user);
	snprintf(truth, sizeof(truth), "%s/truth", user);
	snprintf(json, sizeof(json), "%s/r.json", user);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	run_shell("cp %s %s.debug", e2e_bin("tests/e2e/mutex_contend"), prog);
	run_shell("cd %s && objcopy --strip-all --add-gnu-debuglink=mc.debug mc.debug mc && "
		  "chmod 755 mc && chown 65534:65534 mc mc.debug%s",
		  user, "");
	r = e2e_gilprof_run(json, (const char *[]){"run", "--no-status", "--json", json, "--", prog,
						   "4", "1000", truth, NULL});
	cr_assert_eq(r->status, 0, "%d: %s", r->status, r->err);
	cr_assert_not_null(r->json, "%s", r->err);
	cr_assert_not_null(e2e_lock_named(r->json, "counter_lock", &rank),
			   "the debug file beside the program was not used");
	e2e_free(r);
	unlink(dbg);
	cr_assert_eq(symlink(fifo, dbg), 0);
	cr_assert_eq(lchown(dbg, NOBODY, NOBODY), 0);
	writer = fifo_waiter(fifo, O_WRONLY);
	r = e2e_gilprof_run(json, (const char *[]){"run", "--no-status", "--json", json, "--", prog,
						   "4", "1000", truth, NULL});
	cr_assert_eq(r->status, 0, "%d: %s", r->status, r->err);
	cr_assert_null(e2e_lock_named(r->json, "counter_lock", &rank), "named without symbols?");
	e2e_free(r);
	fifo_never_opened(writer);
	cr_assert_eq(system("rm -rf /tmp/gilprof-e2e-sec-user-* /tmp/gilprof-e2e-sec-root-*"), 0);
}

/* gilprof with its stdout on fd (or closed for -1); its status, and stderr in err. */
static int run_stdout(int fd, const char *const args[], char *err, size_t len)
{
	int ep[2], st;
	pid_t pid;

	cr_assert_eq(pipe(ep), 0);
	pid = fork();
	if (pid == 0) {
		dup2(ep[1], 2);
		if (fd < 0)
			close(1);
		else
			dup2(fd, 1);
		execv(e2e_gilprof(), (char *const *)args);
		_exit(99);
	}
	close(ep[1]);
	e2e_slurp(ep[0], err, len);
	close(ep[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Test(security, a_report_that_cannot_reach_stdout_is_an_error, .timeout = 60)
{
	const char *args[] = {e2e_gilprof(), "run", "--no-status", "--", "true", NULL};
	char err[4096];
	int full, st;

	as_nobody();
	full = open("/dev/full", O_WRONLY);
	cr_assert_geq(full, 0);
	st = run_stdout(full, args, err, sizeof(err));
	close(full);
	cr_assert_eq(st, 1, "%d: %s", st, err);
	cr_assert_not_null(strstr(err, "cannot write stdout: No space left"), "%s", err);
	cr_assert_eq(e2e_lines(err), 1, "%s", err);
	st = run_stdout(-1, args, err, sizeof(err));
	cr_assert_eq(st, 1, "%d: %s", st, err);
	cr_assert_not_null(strstr(err, "cannot write stdout"), "%s", err);
}

Test(security, clashing_and_unusable_outputs_are_refused_before_the_command_runs, .timeout = 90)
{
	char user[64], ran[128], cmd[160], a[128], a2[128], missing[128];

	as_nobody();
	dir_make(user, sizeof(user), "user", true, 0755);
	snprintf(ran, sizeof(ran), "%s/ran", user);
	snprintf(cmd, sizeof(cmd), "touch %s", ran);
	snprintf(a, sizeof(a), "%s/a", user);
	snprintf(a2, sizeof(a2), "%s/./a", user);
	snprintf(missing, sizeof(missing), "%s/no/such/x", user);
	{
		const struct {
			const char *o1, *v1, *o2, *v2, *why;
		} cases[] = {
			{"--json", a, "-o", a, "the same file"},
			{"--folded", a, "--pprof", a2, "the same file"},
			{"-o", "-", "--json", "-", "the same stream"},
			{"--json", "-", "--speedscope", "-", "the same stream"},
			{"-o", user, NULL, NULL, "Is a directory"},
			{"-o", "", NULL, NULL, "an empty file name"},
			{"--json", "", NULL, NULL, "an empty file name"},
			{"--flamegraph", missing, NULL, NULL, "No such file"},
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			const char *args[12] = {"run", cases[i].o1, cases[i].v1};
			int n = 3;

			if (cases[i].o2) {
				args[n++] = cases[i].o2;
				args[n++] = cases[i].v2;
			}
			args[n++] = "--";
			args[n++] = "sh";
			args[n++] = "-c";
			args[n++] = cmd;
			args[n] = NULL;
			refused(args, 2, cases[i].why);
			cr_assert(!exists(ran), "case %zu: the command ran", i);
			cr_assert(!exists(a), "case %zu: an output was left behind", i);
		}
	}
	setenv("SUDO_GID", "", 1);
	unsetenv("SUDO_GID");
	refused((const char *[]){"run", "--", "sh", "-c", cmd, NULL}, 2, "SUDO_UID is set without");
	setenv("SUDO_GID", "65534", 1);
	setenv("SUDO_UID", "99999999999", 1);
	refused((const char *[]){"run", "--", "sh", "-c", cmd, NULL}, 2, "SUDO_UID must be");
	cr_assert(!exists(ran), "the command ran");
	rmdir(user);
}

Test(security, flamegraph_refuses_to_overwrite_its_input, .timeout = 60)
{
	char user[64], in[128];

	as_nobody();
	dir_make(user, sizeof(user), "user", true, 0755);
	snprintf(in, sizeof(in), "%s/x.folded", user);
	text_put(in, "main;f 3\n", 0644);
	cr_assert_eq(chown(in, NOBODY, NOBODY), 0);
	refused((const char *[]){"flamegraph", in, "-o", in, NULL}, 2, "is the input file");
	text_is(in, "main;f 3\n");
	unlink(in);
	rmdir(user);
}

Test(security, every_format_belongs_to_the_user_and_dash_is_stdout, .timeout = 120)
{
	static const char *const names[] = {"r.txt", "r.json",	"r.folded",
					    "r.svg", "r.pb.gz", "r.speedscope.json"};
	static const char *const opts[] = {"-o",	   "--json",  "--folded",
					   "--flamegraph", "--pprof", "--speedscope"};
	char user[64], paths[6][128], prog[128];
	const char *args[24] = {"run", "--no-status"};
	struct e2e_run *r;
	struct stat st;
	int n = 2;

	as_nobody();
	dir_make(user, sizeof(user), "user", true, 0755);
	for (int i = 0; i < 6; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/%s", user, names[i]);
		args[n++] = opts[i];
		args[n++] = paths[i];
	}
	args[n++] = "--";
	/* the build tree may sit in a 0700 directory (mktemp -d): nobody runs a copy */
	snprintf(prog, sizeof(prog), "%s/mc", user);
	run_shell("cp %s %s", e2e_bin("tests/e2e/mutex_contend"), prog);
	cr_assert_eq(chmod(prog, 0755), 0);
	args[n++] = prog;
	args[n++] = "2";
	args[n++] = "50";
	args[n++] = "/dev/null";
	args[n] = NULL;
	r = e2e_gilprof_run(NULL, args);
	cr_assert_eq(r->status, 0, "%d: %s", r->status, r->err);
	e2e_free(r);
	for (int i = 0; i < 6; i++) {
		cr_assert_eq(lstat(paths[i], &st), 0, "%s: %s", paths[i], strerror(errno));
		cr_assert(S_ISREG(st.st_mode) && st.st_size > 0, "%s", paths[i]);
		cr_assert(st.st_uid == NOBODY && st.st_gid == NOBODY, "%s belongs to %u:%u",
			  paths[i], st.st_uid, st.st_gid);
		unlink(paths[i]);
	}
	unlink(prog);
	/* sleep blocks for certain, so the wall view has its stack */
	r = e2e_gilprof_run(NULL, (const char *[]){"run", "--no-status", "--folded", "-", "-o",
						   "/dev/null", "--", "sleep", "0.05", NULL});
	cr_assert_eq(r->status, 0, "%d: %s", r->status, r->err);
	cr_assert_not_null(strstr(r->out, "sleep;"), "--folded - writes stdout: %s", r->out);
	e2e_free(r);
	r = e2e_gilprof_run(NULL, (const char *[]){"run", "--no-status", "--json", "-", "-o",
						   "/dev/null", "--", "true", NULL});
	cr_assert_eq(r->status, 0, "%d: %s", r->status, r->err);
	cr_assert_not_null(strstr(r->out, "\"schema\":\"gilprof-report/1\""), "%s", r->out);
	e2e_json_text_valid(r->out, "../doc/gilprof-report.schema.json");
	e2e_free(r);
	cr_assert(!exists("-"), "no file named '-'");
	rmdir(user);
}

static int dir_entries(const char *dir)
{
	char cmd[160], buf[32] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls -A %s | wc -l", dir);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_assert_not_null(fgets(buf, sizeof(buf), p));
	pclose(p);
	return atoi(buf);
}

Test(security, a_killed_gilprof_leaves_no_partial_output, .timeout = 60)
{
	char user[64], out[128], json[128], cmd[160];
	pid_t pid;
	int st;

	as_nobody();
	dir_make(user, sizeof(user), "user", true, 0755);
	snprintf(out, sizeof(out), "%s/r.txt", user);
	snprintf(json, sizeof(json), "%s/r.json", user);
	snprintf(cmd, sizeof(cmd), "sleep 2");
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl(e2e_gilprof(), "gilprof", "run", "--no-status", "-o", out, "--json", json,
		      "--folded", "-", "--", "sh", "-c", cmd, (char *)NULL);
		_exit(99);
	}
	usleep(700000); /* tracing: the outputs exist, unnamed */
	cr_assert_eq(kill(pid, SIGKILL), 0);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFSIGNALED(st), "gilprof ended before the kill (%d)", st);
	usleep(200000);
	cr_assert_eq(dir_entries(user), 0, "a killed gilprof left a file behind");
	rmdir(user);
}

Test(security, the_command_is_looked_up_with_the_users_rights, .timeout = 60)
{
	char root[64], there[128], absent[128];

	as_nobody();
	dir_make(root, sizeof(root), "root", false, 0700);
	snprintf(there, sizeof(there), "%s/prog", root);
	snprintf(absent, sizeof(absent), "%s/none", root);
	text_put(there, "#!/bin/sh\n", 0755);
	/* Root sees one file there and not the other; the user must not learn which is which. */
	refused((const char *[]){"run", "--", there, NULL}, 126, "Permission denied");
	refused((const char *[]){"run", "--", absent, NULL}, 126, "Permission denied");
	unlink(there);
	rmdir(root);
}
