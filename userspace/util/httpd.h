/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The metrics server: answers GET /metrics (httpreq.h) with a body the caller keeps, one
 * response per connection. Never blocks its caller's loop: non-blocking sockets behind an epoll
 * descriptor the loop polls with its others (httpd_fd), at most HTTPD_MAX_CONNS connections (more
 * are closed at once), HTTPD_TIMEOUT_MS for a connection's request and response together.
 */
#ifndef GP_HTTPD_H
#define GP_HTTPD_H

#include <stddef.h>
#include <stdint.h>

#define HTTPD_MAX_CONNS 16
#define HTTPD_TIMEOUT_MS 5000

struct gp_httpd;

/* The body of /metrics now and its content type; both stay valid until the next httpd_run. */
typedef void (*httpd_body_fn)(void *ctx, const char **body, size_t *len, const char **type);

/*
 * Listen on spec: "PORT" (on 127.0.0.1), "ADDR:PORT" or "[ADDR6]:PORT", numeric only; port 0
 * takes a free one. addr gets what it listens on ("127.0.0.1:41234"). 0, or -errno with one
 * line in err.
 */
int httpd_open(const char *spec, struct gp_httpd **out, char *addr, size_t addrlen, char *err,
	       size_t errlen);
/* Readable when there is work for httpd_run. */
int httpd_fd(const struct gp_httpd *h);
/* Accept, read, answer and time out what is ready, without waiting. */
void httpd_run(struct gp_httpd *h, uint64_t now_ns, httpd_body_fn body, void *ctx);
/* Requests answered, and connections closed without an answer (too many, timed out). */
void httpd_counts(const struct gp_httpd *h, uint64_t *answered, uint64_t *dropped);
void httpd_close(struct gp_httpd *h);

#endif
