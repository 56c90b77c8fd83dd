// SPDX-License-Identifier: GPL-2.0
/* Every input a user can get wrong: one clear line on stderr and the right exit status. */
#include <signal.h>
#include <sys/stat.h>
#include "e2e.h"

static void expect(const char *const args[], int status, const char *needle)
{
	struct e2e_run *r = e2e_gilprof_run(NULL, args);

	cr_assert_eq(r->status, status, "exit %d, expected %d; stderr: %s", r->status, status,
		     r->err);
	cr_assert_not_null(strstr(r->err, needle), "stderr lacks '%s': %s", needle, r->err);
	cr_assert_eq(e2e_lines(r->err), 1, "one line expected: %s", r->err);
	e2e_free(r);
}

Test(errors, unknown_option)
{
	expect((const char *[]){"run", "--bogus", "--", "true", NULL}, 2, "unknown option");
}

Test(errors, unknown_command)
{
	expect((const char *[]){"frobnicate", NULL}, 2, "unknown or ambiguous command");
}

Test(errors, bad_number)
{
	expect((const char *[]){"run", "--buffer-mb", "3", "--", "true", NULL}, 2, "power of two");
}

Test(errors, missing_command_after_dashdash)
{
	e2e_require_root();
	expect((const char *[]){"run", "--", NULL}, 2, "missing command");
}

Test(errors, command_not_found)
{
	e2e_require_root();
	expect((const char *[]){"run", "--", "no-such-command-gilprof", NULL}, 127,
	       "command not found");
}

Test(errors, command_not_executable)
{
	char path[128];
	FILE *f;

	e2e_require_root();
	e2e_tmpname(path, sizeof(path), "notexec");
	f = fopen(path, "w");
	fputs("#!/bin/sh\n", f);
	fclose(f);
	chmod(path, 0644);
	expect((const char *[]){"run", "--", path, NULL}, 126, "not executable");
	unlink(path);
}

Test(errors, output_not_writable)
{
	e2e_require_root();
	expect((const char *[]){"run", "--json", "/nonexistent-dir/x.json", "--", "true", NULL}, 2,
	       "cannot write /nonexistent-dir/x.json");
}

Test(errors, no_btf)
{
	e2e_require_root();
	setenv("GILPROF_SYSFS_BTF", "/nonexistent/vmlinux", 1);
	expect((const char *[]){"run", "--", "true", NULL}, 1, "no BTF");
	unsetenv("GILPROF_SYSFS_BTF");
}

/* A copy of gilprof that an unprivileged user can reach: the build tree may sit in a 0700
 * directory (mktemp -d makes those). */
static void copy_for_nobody(char *dir, char *bin, size_t len)
{
	char buf[65536];
	int in, out;
	ssize_t n;

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(chmod(dir, 0755), 0);
	snprintf(bin, len, "%s/gilprof", dir);
	in = open(e2e_gilprof(), O_RDONLY);
	out = open(bin, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	cr_assert(in >= 0 && out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		cr_assert_eq(write(out, buf, n), n);
	close(in);
	close(out);
}

Test(errors, not_root)
{
	char dir[] = "/tmp/gilprof-e2e-nobody-XXXXXX", bin[128], err[4096] = "";
	int st, pipefd[2];
	pid_t pid;

	e2e_require_root();
	copy_for_nobody(dir, bin, sizeof(bin));
	cr_assert_eq(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 2);
		if (setgid(65534) || setuid(65534))
			_exit(98);
		execl(bin, "gilprof", "run", "--", "true", (char *)NULL);
		_exit(99);
	}
	close(pipefd[1]);
	e2e_slurp(pipefd[0], err, sizeof(err));
	close(pipefd[0]);
	waitpid(pid, &st, 0);
	unlink(bin);
	rmdir(dir);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %d: %s", st, err);
	cr_assert_not_null(strstr(err, "needs root"), "%s", err);
	cr_assert_eq(e2e_lines(err), 1, "%s", err);
}

Test(errors, target_killed_by_signal, .timeout = 60)
{
	struct e2e_run *r;

	e2e_require_root();
	r = e2e_gilprof_run(NULL,
			    (const char *[]){"run", "--", "/bin/sh", "-c", "kill -9 $$", NULL});
	cr_assert_eq(r->status, 128 + SIGKILL, "%d: %s", r->status, r->err);
	cr_assert_not_null(strstr(r->out, "killed by signal 9"), "%s", r->out);
	e2e_free(r);
}

Test(errors, target_exits_in_under_a_millisecond, .timeout = 60)
{
	char json[128];
	struct e2e_run *r;

	e2e_require_root();
	e2e_tmpname(json, sizeof(json), "fast.json");
	r = e2e_gilprof_run(json, (const char *[]){"run", "--json", json, "--", "/bin/true", NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_not_null(r->json);
	cr_assert_eq(json_object_array_length(jget(r->json, "processes")), 1);
	cr_assert_eq(jint(r->json, "exit_status"), 0);
	cr_assert_lt(jdbl(r->json, "closure.max_rel_err"), 0.005);
	unlink(json);
	e2e_free(r);
}

Test(errors, target_exit_status_is_passed_through, .timeout = 60)
{
	struct e2e_run *r;

	e2e_require_root();
	r = e2e_gilprof_run(NULL, (const char *[]){"run", "--", "/bin/sh", "-c", "exit 42", NULL});
	cr_assert_eq(r->status, 42, "%s", r->err);
	e2e_free(r);
}

Test(errors, target_runs_as_the_sudo_user, .timeout = 60)
{
	struct e2e_run *r;

	e2e_require_root();
	setenv("SUDO_UID", "65534", 1);
	setenv("SUDO_GID", "65534", 1);
	r = e2e_gilprof_run(NULL, (const char *[]){"run", "--", "/usr/bin/id", "-u", NULL});
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_eq(strncmp(r->out, "65534\n", 6), 0, "%s", r->out);
	e2e_free(r);
}

Test(errors, as_root_is_for_root_only, .timeout = 60)
{
	struct e2e_run *r;

	e2e_require_root();
	setenv("SUDO_UID", "65534", 1);
	setenv("SUDO_GID", "65534", 1);
	/* sudo gilprof must not be a root shell for whoever may run it */
	expect((const char *[]){"run", "--as-root", "--", "/usr/bin/id", "-u", NULL}, 2,
	       "only root may ask for it");
	setenv("SUDO_UID", "0", 1);
	setenv("SUDO_GID", "0", 1);
	r = e2e_gilprof_run(NULL,
			    (const char *[]){"run", "--as-root", "--", "/usr/bin/id", "-u", NULL});
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_eq(strncmp(r->out, "0\n", 2), 0, "%s", r->out);
	e2e_free(r);
}

Test(errors, sigint_forwarded_and_report_still_printed, .timeout = 60)
{
	char outpath[] = "/tmp/gilprof-e2e-sigint-XXXXXX", buf[65536] = "";
	int fd = mkstemp(outpath), st;
	pid_t pid;

	e2e_require_root();
	pid = fork();
	if (pid == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		execl(e2e_gilprof(), "gilprof", "run", "--", "/bin/sleep", "30", (char *)NULL);
		_exit(99);
	}
	usleep(1500 * 1000); /* let it load and start the target */
	kill(pid, SIGINT);
	waitpid(pid, &st, 0);
	lseek(fd, 0, SEEK_SET);
	e2e_slurp(fd, buf, sizeof(buf));
	close(fd);
	unlink(outpath);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 128 + SIGINT, "status %d: %s", st, buf);
	cr_assert_not_null(strstr(buf, "locks by time waited to acquire them"), "no report: %s",
			   buf);
}

Test(errors, flamegraph_input_missing)
{
	expect((const char *[]){"flamegraph", "/nonexistent.folded", "-o", "/tmp/x.svg", NULL}, 1,
	       "cannot open /nonexistent.folded");
}

Test(errors, flamegraph_needs_output)
{
	expect((const char *[]){"flamegraph", "in.folded", NULL}, 2, "need one input file");
}

Test(errors, flamegraph_renders_a_folded_file)
{
	char in[128], out[128];
	struct e2e_run *r;
	FILE *f;

	e2e_tmpname(in, sizeof(in), "in.folded");
	e2e_tmpname(out, sizeof(out), "out.svg");
	f = fopen(in, "w");
	fputs("main;work;spin 30\nmain;work;lock_[k] 10\nmain;idle 5\n", f);
	fclose(f);
	r = e2e_gilprof_run(NULL, (const char *[]){"flamegraph", in, "-o", out, NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	f = fopen(out, "r");
	cr_assert_not_null(f);
	cr_assert_gt(fread(r->out, 1, sizeof(r->out) - 1, f), 0);
	fclose(f);
	cr_assert_not_null(strstr(r->out, "<svg"));
	cr_assert_not_null(strstr(r->out, "45 samples"), "the root is the total of the lines");
	unlink(in);
	unlink(out);
	e2e_free(r);
}

Test(errors, lock_filter_naming_nothing_lists_the_top_locks, .timeout = 60)
{
	char truth[128];
	struct e2e_run *r;

	e2e_require_root();
	e2e_tmpname(truth, sizeof(truth), "lockfilter.truth");
	r = e2e_gilprof_run(NULL, (const char *[]){"run", "--lock", "no_such_lock", "--",
						   e2e_bin("tests/e2e/mutex_contend"), "3", "300",
						   truth, NULL});
	cr_assert_eq(r->status, 2, "%d: %s", r->status, r->err);
	cr_assert_not_null(strstr(r->err, "--lock no_such_lock matches no futex word"), "%s",
			   r->err);
	cr_assert_not_null(strstr(r->err, "counter_lock"), "the top locks are listed: %s", r->err);
	cr_assert_eq(e2e_lines(r->err), 1, "%s", r->err);
	unlink(truth);
	e2e_free(r);
}

/* Output to a device is written through it: a temporary file renamed over /dev/null would
 * have replaced the device node with a regular file. */
Test(errors, outputs_to_a_device_leave_it_a_device, .timeout = 60)
{
	struct e2e_run *r;
	struct stat st;

	e2e_require_root();
	r = e2e_gilprof_run(NULL,
			    (const char *[]){"run", "-o", "/dev/null", "--json", "/dev/null",
					     "--folded", "/dev/null", "--flamegraph", "/dev/null",
					     "--pprof", "/dev/null", "--speedscope", "/dev/null",
					     "--", "/bin/true", NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_eq(stat("/dev/null", &st), 0);
	cr_assert(S_ISCHR(st.st_mode), "/dev/null is no longer a device");
	e2e_free(r);
}
