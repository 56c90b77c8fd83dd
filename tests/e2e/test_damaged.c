// SPDX-License-Identifier: GPL-2.0
/*
 * gilprof report of recordings that are not whole: cut short, a byte flipped, another version,
 * not a recording at all, or left by a recorder killed mid-run. What is intact is reported with a
 * one-line warning and exit 0; what is not a usable recording gets one line and exit 1. No report
 * may hang: each runs under an alarm.
 */
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include "e2e.h"
#include "stream/recfmt.h"

#define STR_(x) #x
#define STR(x) STR_(x)

#define REPORT_ALARM_S 60

static void suite_init(void)
{
	e2e_alarm_s = REPORT_ALARM_S;
}

TestSuite(damaged, .init = suite_init);

static size_t file_read(const char *path, char **buf)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(fstat(fd, &st), 0);
	*buf = malloc(st.st_size + 1);
	cr_assert_not_null(*buf);
	cr_assert_eq(read(fd, *buf, st.st_size), st.st_size);
	close(fd);
	return st.st_size;
}

static void file_write(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

/* A recording of the countdown workload counting down from count in 2 threads. */
static size_t record(char *path, size_t len, const char *count, char **buf)
{
	struct e2e_run *r;

	e2e_require_root();
	e2e_tmpname(path, len, "rec.gpd");
	r = e2e_gilprof_run(NULL, (const char *[]){"record", "-o", path, "countdown", "--threads",
						   "2", "--count", count, NULL});
	cr_assert_eq(r->status, 0, "gilprof record: %s", r->err);
	e2e_free(r);
	return file_read(path, buf);
}

/*
 * A recording with two chunks of events or more however fast the machine is: the recorder writes
 * one a second, and the countdown runs twice with 1.5 s between.
 */
static size_t record_twice(char *path, size_t len, char **buf)
{
	char cmd[8192];
	struct e2e_run *r;

	e2e_require_root();
	e2e_tmpname(path, len, "rec.gpd");
	snprintf(cmd, sizeof(cmd),
		 "%s --threads 2 --count 20000000 && sleep 1.5 && exec %s "
		 "--threads 2 --count 20000000",
		 e2e_bin("workloads/countdown"), e2e_bin("workloads/countdown"));
	r = e2e_gilprof_run(
		NULL, (const char *[]){"record", "-o", path, "--", "/bin/sh", "-c", cmd, NULL});
	cr_assert_eq(r->status, 0, "gilprof record: %s", r->err);
	e2e_free(r);
	return file_read(path, buf);
}

/* The offset of the last chunk of events (type 4, stream/recfmt.h), checked to follow another:
 * the intact part before it then has threads to report. */
static size_t last_events_chunk(const char *buf, size_t len, uint32_t *stored)
{
	size_t off = 16, last = 0;
	uint32_t n, type, events = 0;

	while (off + 20 <= len) {
		memcpy(&type, buf + off + 4, 4);
		memcpy(&n, buf + off + 12, 4);
		if (type == 4) {
			events++;
			last = off;
			*stored = n;
		}
		off += 20 + n;
	}
	cr_assert_eq(off, len, "the recording frames to its end");
	cr_assert_geq(events, 2, "%u chunks of events", events);
	return last;
}

static struct e2e_run *report(const char *path)
{
	return e2e_gilprof_run(NULL, (const char *[]){"report", path, NULL});
}

/* Exit 0, the intact part reported, and one line of warning that contains what. */
static void expect_partial(const char *path, const char *what)
{
	struct e2e_run *r = report(path);
	char want[256];

	cr_assert_eq(r->status, 0, "exit %d: %s", r->status, r->err);
	snprintf(want, sizeof(want), "gilprof: warning: %s: %s", path, what);
	cr_assert_eq(strncmp(r->err, want, strlen(want)), 0, "stderr: %s\nwanted: %s", r->err,
		     want);
	cr_assert_eq(e2e_lines(r->err), 1, "one line expected: %s", r->err);
	cr_assert(strstr(r->err, " intact chunks\n") || strstr(r->err, " are ignored\n"), "%s",
		  r->err);
	cr_assert_not_null(strstr(r->out, "countdown"), "the report names the command: %s", r->out);
	cr_assert_not_null(strstr(r->out, " worker-1 "), "the intact part has threads: %s", r->out);
	cr_assert_not_null(strstr(r->out, "lost or inconsistent events:"), "%s", r->out);
	e2e_free(r);
}

/* Exit 1, nothing on stdout, and exactly the line want on stderr. */
static void expect_refused(const char *path, const char *want)
{
	struct e2e_run *r = report(path);
	char line[512];

	snprintf(line, sizeof(line), "gilprof: %s\n", want);
	cr_assert_eq(r->status, 1, "exit %d: %s", r->status, r->err);
	cr_assert_str_eq(r->err, line);
	cr_assert_str_eq(r->out, "", "nothing on stdout");
	e2e_free(r);
}

Test(damaged, whole_recording_reports_without_warning, .timeout = 180)
{
	char path[128], *buf;
	struct e2e_run *r;

	record(path, sizeof(path), "20000000", &buf);
	r = report(path);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_str_eq(r->err, "");
	cr_assert_not_null(strstr(r->out, "(exit status 0)"), "%s", r->out);
	cr_assert_not_null(strstr(r->out, "locks by time waited to acquire them"), "%s", r->out);
	e2e_free(r);
	free(buf);
	unlink(path);
}

/* The expected line after the path ("gilprof: PATH: ..."). */
static void expect_refused_at(const char *path, const char *msg)
{
	char want[512];

	snprintf(want, sizeof(want), "%s: %s", path, msg);
	expect_refused(path, want);
}

Test(damaged, truncated, .timeout = 180)
{
	char path[128], cut[128], want[128], *buf;
	size_t len = record_twice(path, sizeof(path), &buf), at;
	uint32_t stored;

	e2e_tmpname(cut, sizeof(cut), "cut.gpd");
	at = last_events_chunk(buf, len, &stored);
	file_write(cut, buf, at + 20 + stored / 2); /* half of the last chunk of events */
	snprintf(want, sizeof(want),
		 "the recording is incomplete (a chunk is cut short (%u of its %u bytes) at byte "
		 "%zu)",
		 stored / 2, stored, at);
	expect_partial(cut, want);
	/* all but the last byte: everything before END */
	file_write(cut, buf, len - 1);
	expect_partial(cut, "the recording is incomplete (a chunk is cut short");
	/* inside the 16-byte header: not a recording any more */
	file_write(cut, buf, 10);
	expect_refused_at(cut, "not a gilprof recording");
	free(buf);
	unlink(cut);
	unlink(path);
}

Test(damaged, flipped_byte, .timeout = 180)
{
	char path[128], bad[128], want[128], *buf;
	size_t len = record_twice(path, sizeof(path), &buf), at;
	uint32_t stored;

	e2e_tmpname(bad, sizeof(bad), "flipped.gpd");
	at = last_events_chunk(buf, len, &stored);
	buf[at + 20 + stored / 2] ^= 0x20;
	file_write(bad, buf, len);
	snprintf(want, sizeof(want),
		 "the recording is incomplete (a chunk's checksum does not match at byte %zu)", at);
	expect_partial(bad, want);
	free(buf);
	unlink(bad);
	unlink(path);
}

Test(damaged, trailing_bytes, .timeout = 180)
{
	char path[128], *buf;
	FILE *f;

	record(path, sizeof(path), "20000000", &buf);
	f = fopen(path, "a");

	cr_assert_not_null(f);
	fputs("tail", f);
	fclose(f);
	expect_partial(path, "4 bytes after the end of the recording are ignored");
	free(buf);
	unlink(path);
}

Test(damaged, foreign_file, .timeout = 60)
{
	char path[128], *buf;
	size_t len = file_read("/etc/passwd", &buf);

	e2e_tmpname(path, sizeof(path), "passwd");
	file_write(path, buf, len);
	expect_refused_at(path, "not a gilprof recording");
	free(buf);
	unlink(path);
}

/* The bitwise CRC-32 of zlib (the header's checksum), so that the test needs no zlib. */
static uint32_t crc32_of(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	int k;

	while (n--)
		for (c ^= *p++, k = 0; k < 8; k++)
			c = c >> 1 ^ (0xedb88320u & -(c & 1));
	return ~c;
}

Test(damaged, other_version, .timeout = 180)
{
	char path[128], *buf;
	size_t len = record(path, sizeof(path), "20000000", &buf);
	uint32_t v = 99, c;

	memcpy(buf + 8, &v, 4);
	c = crc32_of((unsigned char *)buf, 12);
	memcpy(buf + 12, &c, 4);
	file_write(path, buf, len);
	expect_refused_at(path,
			  "recording format version 99; this gilprof reads " STR(GP_REC_VERSION));
	free(buf);
	unlink(path);
}

Test(damaged, empty_file_and_directory, .timeout = 60)
{
	char path[128], want[512];

	e2e_tmpname(path, sizeof(path), "empty");
	file_write(path, "", 0);
	expect_refused_at(path, "not a gilprof recording");
	unlink(path);
	e2e_tmpname(path, sizeof(path), "dir");
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(want, sizeof(want), "cannot read %s: %s: is a directory", path, path);
	expect_refused(path, want);
	rmdir(path);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

/*
 * gilprof record of a 3-second program, killed with SIGKILL after 1.5 s and once it has written
 * more than its first chunk (it flushes every second): the complete chunks report.
 */
Test(damaged, recorder_killed, .timeout = 180)
{
	char path[128], errpath[128];
	double start = now_s();
	off_t first = -1;
	int st, fd;
	pid_t pid;

	e2e_require_root();
	e2e_tmpname(path, sizeof(path), "killed.gpd");
	e2e_tmpname(errpath, sizeof(errpath), "killed.err");
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		execl(e2e_gilprof(), "gilprof", "record", "-o", path, "--",
		      e2e_bin("workloads/countdown"), "--threads", "2", "--count", "150000000",
		      (char *)NULL);
		_exit(99);
	}
	close(fd);
	while (now_s() - start < 20 && waitpid(pid, &st, WNOHANG) == 0) {
		off_t size = file_size(path);

		if (first < 0 && size > 0)
			first = size; /* the header and META, written before the command starts */
		if (now_s() - start >= 1.5 && first > 0 && size > first)
			break;
		usleep(20000);
	}
	cr_assert_eq(kill(pid, SIGKILL), 0, "gilprof ended before it was killed");
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %d", st);
	expect_partial(path, "the recording is incomplete (");
	unlink(path);
	unlink(errpath);
}

/* stdin that never ends and is no recording: read up to its header, not until memory runs out. */
Test(damaged, endless_stdin, .timeout = 60)
{
	int fd = open("/dev/zero", O_RDONLY);
	struct e2e_run *r;

	cr_assert_geq(fd, 0);
	cr_assert_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO); /* gilprof inherits it */
	close(fd);
	r = e2e_gilprof_run(NULL, (const char *[]){"report", "-", NULL});
	cr_assert_eq(r->status, 1, "exit %d: %s", r->status, r->err);
	cr_assert_str_eq(r->err, "gilprof: stdin: not a gilprof recording\n");
	cr_assert_str_eq(r->out, "");
	e2e_free(r);
}
