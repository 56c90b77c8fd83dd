// SPDX-License-Identifier: GPL-2.0
/*
 * The one output module and the file operations behind it, in this process's own rights (no
 * broker runs here; the end-to-end security tests cover the broker as an unprivileged user).
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include "util/creds.h"
#include "util/regfile.h"
#include "testutil.h"

static void setup(void)
{
	tmpdir_make("output");
}

TestSuite(output, .init = setup, .fini = tmpdir_remove);

static int put_text(FILE *f, void *ctx)
{
	return fputs(ctx, f) < 0 ? -1 : 0;
}

/* Names in tmpdir, "." and ".." excluded. */
static int entries(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

Test(output, written_whole_and_only_when_finished)
{
	const char *path = path_in_tmp("report.txt");
	struct gp_output o;
	char *text;

	file_put(path, "old\n");
	cr_assert_eq(output_open(&o, "-o", path), 0);
	cr_assert_eq(write(output_fd(&o), "new\n", 4), 4);
	/* Unnamed until finished: the old file is intact, and nothing else is in the directory. */
	text = file_get(path);
	cr_assert_str_eq(text, "old\n");
	free(text);
	cr_assert_eq(entries(), 1);
	cr_assert_eq(output_finish(&o, 0, NULL), 0);
	text = file_get(path);
	cr_assert_str_eq(text, "new\n");
	free(text);
	cr_assert_eq(entries(), 1);
}

Test(output, failure_or_discard_leaves_the_old_file)
{
	const char *path = path_in_tmp("keep.txt");
	struct gp_output o;
	char *text;

	file_put(path, "old\n");
	cr_assert_eq(output_open(&o, "-o", path), 0);
	cr_assert_eq(write(output_fd(&o), "half", 4), 4);
	cr_assert_eq(output_finish(&o, -ENOSPC, "No space left on device"), -1);
	cr_assert_eq(output_open(&o, "-o", path), 0);
	output_discard(&o);
	text = file_get(path);
	cr_assert_str_eq(text, "old\n");
	free(text);
	cr_assert_eq(entries(), 1);
}

Test(output, refuses_what_is_not_a_file_before_creating_anything)
{
	char fifo[300], dangling[300], sub[300];
	struct gp_output o;

	snprintf(fifo, sizeof(fifo), "%s/fifo", tmpdir);
	snprintf(dangling, sizeof(dangling), "%s/dangling", tmpdir);
	snprintf(sub, sizeof(sub), "%s/", tmpdir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_assert_eq(symlink("/nonexistent/target", dangling), 0);
	cr_assert_eq(output_open(&o, "-o", ""), -EINVAL);
	cr_assert_eq(output_open(&o, "-o", tmpdir), -EISDIR);
	cr_assert_eq(output_open(&o, "-o", sub), -EISDIR);
	cr_assert_eq(output_open(&o, "-o", fifo), -ENODEV);
	cr_assert_eq(output_open(&o, "-o", dangling), -ENOENT);
	cr_assert_eq(output_open(&o, "-o", path_in_tmp("no/such/dir")), -ENOENT);
	cr_assert_eq(entries(), 2, "nothing was created");
}

Test(output, a_character_device_is_written_in_place)
{
	struct gp_output o;
	struct stat st;

	cr_assert_eq(output_open(&o, "-o", "/dev/null"), 0);
	cr_assert_eq(o.f.kind, ASU_DEVICE);
	cr_assert_eq(output_write(&o, put_text, "x\n"), 0);
	cr_assert_eq(stat("/dev/null", &st), 0);
	cr_assert(S_ISCHR(st.st_mode), "/dev/null is still the device");
}

Test(output, a_link_to_a_file_replaces_the_file_not_the_link)
{
	char link[300], *text;
	const char *target = path_in_tmp("target.txt");
	struct gp_output o;
	struct stat st;

	snprintf(link, sizeof(link), "%s/link", tmpdir);
	file_put(target, "old\n");
	cr_assert_eq(chmod(target, 0600), 0);
	cr_assert_eq(symlink("target.txt", link), 0);
	cr_assert_eq(output_open(&o, "-o", link), 0);
	cr_assert_eq(output_write(&o, put_text, "new\n"), 0);
	cr_assert_eq(lstat(link, &st), 0);
	cr_assert(S_ISLNK(st.st_mode));
	text = file_get(target);
	cr_assert_str_eq(text, "new\n");
	free(text);
	cr_assert_eq(stat(target, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600, "a replaced file keeps its mode");
}

Test(output, clashes_and_input_as_output_are_refused)
{
	const char *path = path_in_tmp("same.txt");
	char dotted[300];
	struct gp_output a, b, c, d;
	struct gp_output *list[4] = {&a, &b, NULL, NULL};
	int fd;

	snprintf(dotted, sizeof(dotted), "%s/./same.txt", tmpdir);
	file_put(path, "in\n");
	cr_assert_eq(output_open(&a, "--json", path), 0);
	cr_assert_eq(output_open(&b, "-o", dotted), 0);
	cr_assert_eq(outputs_check(list, 2), -1, "one file under two spellings");
	cr_assert_eq(output_open(&c, "-o", "-"), 0);
	cr_assert_eq(output_open(&d, "--json", "-"), 0);
	list[0] = &c;
	list[1] = &d;
	cr_assert_eq(outputs_check(list, 2), -1, "two outputs on stdout");
	list[1] = &b;
	cr_assert_eq(outputs_check(list, 2), 0);
	fd = open(path, O_RDONLY);
	cr_assert_eq(output_check_not_input(&a, fd), -1);
	close(fd);
	output_discard(&a);
	output_discard(&b);
	output_discard(&c);
	output_discard(&d);
}

Test(output, reading_takes_regular_files_and_pipes_only)
{
	char fifo[300], err[512];
	int fd;

	snprintf(fifo, sizeof(fifo), "%s/fifo", tmpdir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	/* Neither opens the FIFO for real: no writer, so a blocking open would hang the test. */
	cr_assert_eq(asuser_open_read(fifo, false, NULL, err, sizeof(err)), -ENODEV, "%s", err);
	cr_assert_eq(regfile_open(AT_FDCWD, fifo, 0, NULL), -ENODEV);
	cr_assert_eq(regfile_open(AT_FDCWD, "/dev/null", 0, NULL), -ENODEV);
	cr_assert_eq(asuser_open_read(tmpdir, true, NULL, err, sizeof(err)), -EISDIR);
	fd = asuser_open_read(fifo, true, NULL, err, sizeof(err));
	cr_assert_geq(fd, 0, "%s", err);
	close(fd);
	file_put(path_in_tmp("f"), "x");
	fd = regfile_open(AT_FDCWD, path_in_tmp("f"), O_NOFOLLOW, NULL);
	cr_assert_geq(fd, 0);
	close(fd);
}

Test(creds, sudo_ids_are_both_numbers_in_range_or_an_error)
{
	struct gp_creds c;
	char err[256];

	cr_assert_eq(creds_parse(NULL, NULL, &c, err, sizeof(err)), 0);
	cr_assert(!c.sudo);
	cr_assert_eq(creds_parse("1000", "1001", &c, err, sizeof(err)), 0);
	cr_assert(c.sudo && c.uid == 1000 && c.gid == 1001);
	cr_assert_eq(creds_parse("4294967294", "0", &c, err, sizeof(err)), 0);
	cr_assert_eq(creds_parse("1000", NULL, &c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "SUDO_UID is set without SUDO_GID"), "%s", err);
	cr_assert_eq(creds_parse(NULL, "5", &c, err, sizeof(err)), -1);
	cr_assert_eq(creds_parse("99999999999", "1", &c, err, sizeof(err)), -1);
	cr_assert_eq(creds_parse("4294967295", "1", &c, err, sizeof(err)), -1, "(uid_t)-1");
	cr_assert_eq(creds_parse("-1", "1", &c, err, sizeof(err)), -1);
	cr_assert_eq(creds_parse("", "1", &c, err, sizeof(err)), -1);
	cr_assert_eq(creds_parse("12a", "1", &c, err, sizeof(err)), -1);
	cr_assert_eq(creds_parse("1", " 1", &c, err, sizeof(err)), -1);
	cr_assert(!c.sudo, "a failed parse leaves no half identity");
}

Test(output, the_file_on_stdout_under_another_name_is_stdout)
{
	const char *path = path_in_tmp("stdout.txt");
	struct gp_output o;
	int fd, saved = dup(STDOUT_FILENO);

	file_put(path, "");
	fd = open(path, O_WRONLY);
	cr_assert_geq(fd, 0);
	dup2(fd, STDOUT_FILENO);
	cr_assert_eq(output_open(&o, "-o", "/dev/stdout"), 0);
	dup2(saved, STDOUT_FILENO);
	cr_assert(o.is_stdout, "written through stdout, not renamed over its file");
	output_discard(&o);
	close(fd);
	close(saved);
}
