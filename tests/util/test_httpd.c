// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics server on the loopback: answers, refusals, the connection limit and the timeout
 * (its clock is the caller's, so a test moves it on instead of waiting).
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "util/httpd.h"

static struct gp_httpd *h;
static char addr[64];
static int port;
static uint64_t now = 1000000000ULL;

static void body(void *ctx, const char **b, size_t *len, const char **type)
{
	(void)ctx;
	*b = "metric_total 1\n# EOF\n";
	*len = strlen(*b);
	*type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
}

static void up(void)
{
	char err[256];

	cr_assert_eq(httpd_open("127.0.0.1:0", &h, addr, sizeof(addr), err, sizeof(err)), 0, "%s",
		     err);
	port = atoi(strrchr(addr, ':') + 1);
	cr_assert_gt(port, 0);
}

static void down(void)
{
	httpd_close(h);
}

TestSuite(httpd, .init = up, .fini = down);

static int dial(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_geq(fd, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "%s", strerror(errno));
	return fd;
}

/* Run the server until fd has an answer (or was closed); the whole answer, or "" when closed
 * without one. */
static char *answer(int fd)
{
	static char buf[4096];
	size_t len = 0;
	ssize_t n;

	for (int i = 0; i < 200; i++) {
		struct pollfd p = {fd, POLLIN, 0};

		httpd_run(h, now, body, NULL);
		if (poll(&p, 1, 10) <= 0)
			continue;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += n;
	}
	buf[len] = 0;
	return buf;
}

static char *ask(const char *req)
{
	int fd = dial();
	char *a;

	cr_assert_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	a = answer(fd);
	close(fd);
	return a;
}

Test(httpd, listens_where_told)
{
	char err[256], a2[64];
	struct gp_httpd *h2;

	cr_assert_eq(strncmp(addr, "127.0.0.1:", 10), 0);
	cr_assert_neq(httpd_open("localhost:9", &h2, a2, sizeof(a2), err, sizeof(err)), 0);
	cr_assert_neq(httpd_open("1.2.3.4.5:9", &h2, a2, sizeof(a2), err, sizeof(err)), 0);
	cr_assert_neq(httpd_open("127.0.0.1:99999", &h2, a2, sizeof(a2), err, sizeof(err)), 0);
	cr_assert_neq(httpd_open("::1:9", &h2, a2, sizeof(a2), err, sizeof(err)), 0);
	cr_assert_neq(httpd_open(addr, &h2, a2, sizeof(a2), err, sizeof(err)), 0, "in use");
	cr_assert_eq(httpd_open("0", &h2, a2, sizeof(a2), err, sizeof(err)), 0);
	cr_assert_eq(strncmp(a2, "127.0.0.1:", 10), 0, "a bare port is on the loopback");
	httpd_close(h2);
}

Test(httpd, serves_metrics)
{
	char *a = ask("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");

	cr_assert_not_null(strstr(a, "HTTP/1.1 200 OK\r\n"), "%s", a);
	cr_assert_not_null(strstr(a, "Content-Type: application/openmetrics-text; version=1.0.0"));
	cr_assert_not_null(strstr(a, "Content-Length: 21\r\n"));
	cr_assert_not_null(strstr(a, "\r\n\r\nmetric_total 1\n# EOF\n"));
	a = ask("HEAD /metrics HTTP/1.1\r\n\r\n");
	cr_assert_not_null(strstr(a, "Content-Length: 21\r\n"));
	cr_assert(strlen(strstr(a, "\r\n\r\n")) == 4, "no body for HEAD");
}

Test(httpd, refuses_the_rest)
{
	cr_assert_not_null(strstr(ask("GET / HTTP/1.1\r\n\r\n"), "HTTP/1.1 404 Not Found\r\n"));
	cr_assert_not_null(strstr(ask("PUT /metrics HTTP/1.1\r\n\r\n"), "Allow: GET, HEAD\r\n"));
	cr_assert_not_null(strstr(ask("\x16\x03\x01\x02\x01\x01\xfc\x03\x03\r\n\r\n"),
				  "HTTP/1.1 400 Bad Request\r\n"));
}

/* A request that never ends fills its buffer and gets 431; one that stops gets nothing. */
Test(httpd, bounded_requests)
{
	static char big[20000];
	int fd = dial();
	char *a;

	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
	(void)!write(fd, big, sizeof(big));
	a = answer(fd);
	cr_assert_not_null(strstr(a, "431"), "%s", a);
	close(fd);
	fd = dial();
	(void)!write(fd, "GET /metr", 9);
	shutdown(fd, SHUT_WR);
	cr_assert_str_eq(answer(fd), "");
	close(fd);
}

/* A slow client is cut off at the deadline; past HTTPD_MAX_CONNS, connections are closed. */
Test(httpd, slow_and_too_many)
{
	int fds[HTTPD_MAX_CONNS + 1], i;
	uint64_t answered, dropped;
	char c;

	for (i = 0; i < HTTPD_MAX_CONNS + 1; i++) {
		fds[i] = dial();
		httpd_run(h, now, body, NULL);
	}
	for (i = 0; i < 20; i++) {
		httpd_run(h, now, body, NULL);
		usleep(1000);
	}
	httpd_counts(h, &answered, &dropped);
	cr_assert_eq(dropped, 1, "the one past the limit");
	cr_assert_eq(read(fds[HTTPD_MAX_CONNS], &c, 1), 0, "closed");
	now += HTTPD_TIMEOUT_MS * 1000000ULL;
	httpd_run(h, now, body, NULL);
	httpd_counts(h, &answered, &dropped);
	cr_assert_eq(dropped, 1 + HTTPD_MAX_CONNS, "all timed out");
	for (i = 0; i < HTTPD_MAX_CONNS; i++) {
		cr_assert_eq(read(fds[i], &c, 1), 0);
		close(fds[i]);
	}
	close(fds[HTTPD_MAX_CONNS]);
	cr_assert_not_null(strstr(ask("GET /metrics HTTP/1.0\r\n\r\n"), "200 OK"), "serves again");
}
