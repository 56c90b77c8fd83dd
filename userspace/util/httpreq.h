/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The request parser of gilprof's metrics server: just enough HTTP/1.x for a scraper to GET
 * /metrics, and strict about everything else, since anyone who can reach the port can send
 * anything. Pure: bytes in, a status out. A request is its head only (a body is refused):
 *
 *   GET /metrics HTTP/1.1\r\n          -> 200 (HEAD too)
 *   Host: 127.0.0.1:9464\r\n              other paths 404, other methods 405,
 *   Accept: application/openmetrics-text  HTTP/2 or 0.9 505, malformed 400,
 *   \r\n                                  over HTTPREQ_MAX bytes or HTTPREQ_MAX_HEADERS 431
 */
#ifndef GP_HTTPREQ_H
#define GP_HTTPREQ_H

#include <stdbool.h>
#include <stddef.h>

#define HTTPREQ_MAX 8192 /* bytes of a request head */
#define HTTPREQ_MAX_HEADERS 64

struct http_req {
	bool head; /* HEAD: the answer has no body */
	size_t len; /* bytes of the head, its blank line included */
	unsigned headers;
};

/*
 * The status to answer buf[len] with: 0 while the head may still be incomplete (read more),
 * 200, or an error status (400, 404, 405, 431, 505). r is filled on 200.
 */
int httpreq_parse(const char *buf, size_t len, struct http_req *r);
/* The reason phrase of a status this parser returns. */
const char *httpreq_reason(int status);

#endif
