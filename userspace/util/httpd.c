// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "util/httpd.h"
#include "util/httpreq.h"

struct conn {
	int fd; /* -1: free */
	uint64_t deadline;
	char in[HTTPREQ_MAX];
	size_t inlen;
	char *out; /* the response, once the request is read */
	size_t outlen, outoff;
};

struct gp_httpd {
	int lfd, ep;
	struct conn c[HTTPD_MAX_CONNS];
	uint64_t answered, dropped;
};

/* "PORT", "ADDR:PORT", "[ADDR6]:PORT" into host and port strings. */
static int spec_split(const char *spec, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon = strrchr(spec, ':');

	if (!colon) {
		snprintf(host, hlen, "127.0.0.1");
		snprintf(port, plen, "%s", spec);
	} else if (spec[0] == '[') {
		if (colon < spec + 2 || colon[-1] != ']')
			return -EINVAL;
		snprintf(host, hlen, "%.*s", (int)(colon - spec - 2), spec + 1);
		snprintf(port, plen, "%s", colon + 1);
	} else {
		if (memchr(spec, ':', colon - spec))
			return -EINVAL; /* an IPv6 address without brackets */
		snprintf(host, hlen, "%.*s", (int)(colon - spec), spec);
		snprintf(port, plen, "%s", colon + 1);
	}
	if (!host[0] || !port[0] || strspn(port, "0123456789") != strlen(port) ||
	    strtoul(port, NULL, 10) > 65535)
		return -EINVAL;
	return 0;
}

static int listen_on(const struct addrinfo *ai, char *err, size_t errlen)
{
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, e;

	if (fd < 0) {
		e = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return e;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64)) {
		e = -errno;
		snprintf(err, errlen, "cannot listen there: %s", strerror(errno));
		close(fd);
		return e;
	}
	return fd;
}

static void addr_name(int fd, char *addr, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?", port[8] = "?";

	if (!getsockname(fd, (struct sockaddr *)&ss, &sl))
		getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), port, sizeof(port),
			    NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(addr, len, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, port);
}

int httpd_open(const char *spec, struct gp_httpd **out, char *addr, size_t addrlen, char *err,
	       size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE};
	struct epoll_event ev = {.events = EPOLLIN};
	char host[256], port[16];
	struct addrinfo *ai;
	struct gp_httpd *h;
	int ret;

	if (spec_split(spec, host, sizeof(host), port, sizeof(port)) ||
	    getaddrinfo(host, port, &hints, &ai)) {
		snprintf(err, errlen,
			 "'%s' is not PORT, ADDR:PORT or [ADDR6]:PORT with a numeric address",
			 spec);
		return -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		freeaddrinfo(ai);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (int i = 0; i < HTTPD_MAX_CONNS; i++)
		h->c[i].fd = -1;
	h->ep = -1;
	h->lfd = listen_on(ai, err, errlen);
	freeaddrinfo(ai);
	if (h->lfd < 0) {
		ret = h->lfd;
		free(h);
		return ret;
	}
	h->ep = epoll_create1(EPOLL_CLOEXEC);
	if (h->ep < 0 || epoll_ctl(h->ep, EPOLL_CTL_ADD, h->lfd, &ev)) {
		ret = -errno;
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		httpd_close(h);
		return ret;
	}
	addr_name(h->lfd, addr, addrlen);
	*out = h;
	return 0;
}

int httpd_fd(const struct gp_httpd *h)
{
	return h->ep;
}

static void conn_close(struct gp_httpd *h, struct conn *c, bool answered)
{
	close(c->fd); /* leaves the epoll set with it */
	free(c->out);
	c->fd = -1;
	c->out = NULL;
	c->inlen = c->outlen = c->outoff = 0;
	if (answered)
		h->answered++;
	else
		h->dropped++;
}

static void conn_accept(struct gp_httpd *h, uint64_t now)
{
	int fd, i;

	while ((fd = accept4(h->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP};

		for (i = 0; i < HTTPD_MAX_CONNS && h->c[i].fd >= 0; i++)
			;
		ev.data.u32 = i + 1;
		if (i == HTTPD_MAX_CONNS || epoll_ctl(h->ep, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd); /* full: a scraper tries again, a flood gets nothing */
			h->dropped++;
			continue;
		}
		h->c[i].fd = fd;
		h->c[i].deadline = now + HTTPD_TIMEOUT_MS * 1000000ULL;
	}
}

static void conn_respond(struct gp_httpd *h, struct conn *c, int st, const struct http_req *r,
			 httpd_body_fn body, void *ctx)
{
	struct epoll_event ev = {.events = EPOLLOUT};
	const char *b = NULL, *type = "text/plain; charset=utf-8";
	char msg[64], head[256];
	size_t blen;
	int hlen;

	if (st == 200) {
		body(ctx, &b, &blen, &type);
	} else {
		snprintf(msg, sizeof(msg), "%d %s\n", st, httpreq_reason(st));
		b = msg;
		blen = strlen(msg);
	}
	hlen = snprintf(head, sizeof(head),
			"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
			"Connection: close\r\n\r\n",
			st, httpreq_reason(st), type, blen,
			st == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (st == 200 && r->head)
		blen = 0;
	c->out = malloc(hlen + blen);
	if (!c->out) {
		conn_close(h, c, false);
		return;
	}
	memcpy(c->out, head, hlen);
	memcpy(c->out + hlen, b, blen);
	c->outlen = hlen + blen;
	ev.data.u32 = (c - h->c) + 1;
	if (epoll_ctl(h->ep, EPOLL_CTL_MOD, c->fd, &ev))
		conn_close(h, c, false);
}

static void conn_read(struct gp_httpd *h, struct conn *c, httpd_body_fn body, void *ctx)
{
	bool eof = false;
	struct http_req r;
	ssize_t n;
	int st;

	while (c->inlen < sizeof(c->in)) {
		n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			conn_close(h, c, false);
			return;
		}
		if (n <= 0) {
			eof = n == 0;
			break;
		}
		c->inlen += n;
	}
	st = httpreq_parse(c->in, c->inlen, &r);
	if (st)
		conn_respond(h, c, st, &r, body, ctx);
	else if (eof) /* the client stopped before its request was whole */
		conn_close(h, c, false);
}

static void conn_write(struct gp_httpd *h, struct conn *c)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			conn_close(h, c, false);
			return;
		}
		c->outoff += n;
	}
	conn_close(h, c, true);
}

void httpd_run(struct gp_httpd *h, uint64_t now_ns, httpd_body_fn body, void *ctx)
{
	struct epoll_event ev[32];
	int n, i;

	n = epoll_wait(h->ep, ev, 32, 0);
	for (i = 0; i < n; i++) {
		struct conn *c;

		if (!ev[i].data.u32) {
			conn_accept(h, now_ns);
			continue;
		}
		c = &h->c[ev[i].data.u32 - 1];
		if (c->fd < 0)
			continue;
		if (c->out)
			conn_write(h, c);
		else if (ev[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			conn_read(h, c, body, ctx);
	}
	/* a client that sends slowly, or reads slowly, loses its connection */
	for (i = 0; i < HTTPD_MAX_CONNS; i++)
		if (h->c[i].fd >= 0 && now_ns >= h->c[i].deadline)
			conn_close(h, &h->c[i], false);
}

void httpd_counts(const struct gp_httpd *h, uint64_t *answered, uint64_t *dropped)
{
	*answered = h->answered;
	*dropped = h->dropped;
}

void httpd_close(struct gp_httpd *h)
{
	if (!h)
		return;
	for (int i = 0; i < HTTPD_MAX_CONNS; i++)
		if (h->c[i].fd >= 0)
			conn_close(h, &h->c[i], false);
	if (h->lfd >= 0)
		close(h->lfd);
	if (h->ep >= 0)
		close(h->ep);
	free(h);
}
