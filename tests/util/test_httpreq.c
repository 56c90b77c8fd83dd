// SPDX-License-Identifier: GPL-2.0
/* The metrics server's request parser, with what a scraper sends and what an attacker might. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/httpreq.h"

/* s copied to a buffer of exactly its length, so that ASan sees any read past it */
static int parse(const char *s, size_t len, struct http_req *r)
{
	char *b = malloc(len ? len : 1);
	int st;

	cr_assert_not_null(b);
	memcpy(b, s, len);
	st = httpreq_parse(b, len, r);
	free(b);
	return st;
}

static int p(const char *s)
{
	struct http_req r;

	return parse(s, strlen(s), &r);
}

Test(httpreq, what_prometheus_sends)
{
	const char *req = "GET /metrics HTTP/1.1\r\n"
			  "Host: 127.0.0.1:9464\r\n"
			  "User-Agent: Prometheus/2.42.0\r\n"
			  "Accept: application/openmetrics-text;version=1.0.0,text/plain;"
			  "version=0.0.4;q=0.5,*/*;q=0.1\r\n"
			  "Accept-Encoding: gzip\r\n"
			  "X-Prometheus-Scrape-Timeout-Seconds: 10\r\n"
			  "\r\n";
	struct http_req r;

	cr_assert_eq(parse(req, strlen(req), &r), 200);
	cr_assert_eq(r.len, strlen(req));
	cr_assert_eq(r.headers, 5);
	cr_assert(!r.head);
	cr_assert_eq(p("HEAD /metrics HTTP/1.0\r\n\r\n"), 200);
	cr_assert_eq(p("GET /metrics?x=1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n"), 200);
}

Test(httpreq, incomplete_until_the_blank_line)
{
	const char *req = "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n";

	for (size_t n = 0; n < strlen(req); n++) {
		struct http_req r;

		cr_assert_eq(parse(req, n, &r), 0, "%zu bytes", n);
	}
}

Test(httpreq, other_paths_and_methods)
{
	cr_assert_eq(p("GET / HTTP/1.1\r\n\r\n"), 404);
	cr_assert_eq(p("GET /metricsx HTTP/1.1\r\n\r\n"), 404);
	cr_assert_eq(p("GET /metrics/ HTTP/1.1\r\n\r\n"), 404);
	cr_assert_eq(p("GET /../etc/passwd HTTP/1.1\r\n\r\n"), 404);
	cr_assert_eq(p("POST /metrics HTTP/1.1\r\n\r\n"), 405);
	cr_assert_eq(p("DELETE /metrics HTTP/1.1\r\n\r\n"), 405);
	cr_assert_eq(p("get /metrics HTTP/1.1\r\n\r\n"), 405);
	cr_assert_eq(p("GET /metrics HTTP/2.0\r\n\r\n"), 505);
	cr_assert_eq(p("GET /metrics HTTP/1.2\r\n\r\n"), 505);
}

Test(httpreq, malformed)
{
	cr_assert_eq(p("\r\n\r\n"), 400);
	cr_assert_eq(p("GET\r\n\r\n"), 400);
	cr_assert_eq(p("GET /metrics\r\n\r\n"), 400);
	cr_assert_eq(p("GET  /metrics HTTP/1.1\r\n\r\n"), 400);
	cr_assert_eq(p("GET /met rics HTTP/1.1\r\n\r\n"), 400);
	cr_assert_eq(p("GET /metrics HTTP/1.1 \r\n\r\n"), 400);
	cr_assert_eq(p("GET metrics HTTP/1.1\r\n\r\n"), 400);
	cr_assert_eq(p("GET /metrics HTTP/1.1\r\nNo colon\r\n\r\n"), 400);
	cr_assert_eq(p("GET /metrics HTTP/1.1\r\n: empty name\r\n\r\n"), 400);
	cr_assert_eq(p("GET /metrics HTTP/1.1\r\nA: b\r\n folded\r\n\r\n"), 400);
	cr_assert_eq(p("GET /metrics HTTP/1.1\r\nA: b\nC: d\r\n\r\n"), 400);
	cr_assert_eq(p("GET /metrics HTTP/1.1\r\nA: b\rC: d\r\n\r\n"), 400);
	cr_assert_eq(p("GET /metrics HTTP/1.1\r\nA: \x1b[2J\r\n\r\n"), 400);
	cr_assert_eq(p("GET /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"), 400);
	cr_assert_eq(p("GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
	cr_assert_eq(p("GET /\xff\xfe HTTP/1.1\r\n\r\n"), 400);
	cr_assert_eq(parse("GET /metrics HTTP/1.1\r\nA: \0b\r\n\r\n", 32, &(struct http_req){0}),
		     400);
}

Test(httpreq, bounded)
{
	static char big[HTTPREQ_MAX + 64];
	size_t n;

	/* a head that never ends */
	n = snprintf(big, sizeof(big), "GET /metrics HTTP/1.1\r\nA: ");
	memset(big + n, 'a', sizeof(big) - n);
	cr_assert_eq(parse(big, HTTPREQ_MAX - 1, &(struct http_req){0}), 0);
	cr_assert_eq(parse(big, HTTPREQ_MAX, &(struct http_req){0}), 431);
	cr_assert_eq(parse(big, sizeof(big), &(struct http_req){0}), 431);
	/* a blank line past the limit is not looked for */
	memcpy(big + HTTPREQ_MAX + 10, "\r\n\r\n", 4);
	cr_assert_eq(parse(big, sizeof(big), &(struct http_req){0}), 431);
	/* too many headers */
	n = snprintf(big, sizeof(big), "GET /metrics HTTP/1.1\r\n");
	for (int i = 0; i < HTTPREQ_MAX_HEADERS; i++)
		n += snprintf(big + n, sizeof(big) - n, "A: b\r\n");
	cr_assert_eq(parse(big, n + 2, &(struct http_req){0}), 0);
	memcpy(big + n, "\r\n", 2);
	cr_assert_eq(parse(big, n + 2, &(struct http_req){0}), 200);
	n += snprintf(big + n, sizeof(big) - n, "A: b\r\n\r\n");
	cr_assert_eq(parse(big, n, &(struct http_req){0}), 431);
}

/* Random changes to a valid request: every answer is one of the parser's statuses, no read
 * outside the bytes given (ASan), and a 200 only for what still asks for /metrics. */
Test(httpreq, mutated_requests)
{
	const char *base = "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n";
	char buf[128];
	unsigned seed = 12345;
	int seen[600] = {0};

	for (int i = 0; i < 200000; i++) {
		size_t n = strlen(base), k, pos;
		struct http_req r;
		int st;

		memcpy(buf, base, n);
		for (k = 0; k < 1 + (unsigned)rand_r(&seed) % 4; k++) {
			pos = rand_r(&seed) % n;
			switch (rand_r(&seed) % 3) {
			case 0:
				buf[pos] = (char)rand_r(&seed);
				break;
			case 1: /* cut */
				n = pos + 1;
				break;
			default: /* duplicate a byte */
				if (n < sizeof(buf) - 1) {
					memmove(buf + pos + 1, buf + pos, n - pos);
					n++;
				}
			}
		}
		st = parse(buf, n, &r);
		cr_assert(st == 0 || st == 200 || st == 400 || st == 404 || st == 405 ||
				  st == 431 || st == 505,
			  "status %d", st);
		seen[st]++;
		if (st == 200)
			cr_assert(!memcmp(buf, "GET /metrics", 12) ||
				  !memcmp(buf, "HEAD /metrics", 13));
		if (st == 200)
			cr_assert(r.len <= n);
	}
	cr_assert(seen[200] && seen[400] && seen[0] && seen[404] && seen[405]);
}
