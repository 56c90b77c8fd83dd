// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <strings.h>
#include "util/httpreq.h"

/* RFC 9110 tchar: what a method or a header name is made of. */
static bool tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The end of the head: the offset just past "\r\n\r\n", or 0 when not there yet. */
static size_t head_end(const char *buf, size_t len)
{
	for (size_t i = 3; i < len; i++)
		if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' &&
		    buf[i - 3] == '\r')
			return i + 1;
	return 0;
}

/* "METHOD SP target SP HTTP/1.x": 0 with the method and target delimited, or a status. */
static int request_line(const char *p, const char *eol, struct http_req *r, bool *get,
			bool *metrics)
{
	const char *m = p, *t, *v;
	size_t mlen, tlen;

	while (p < eol && tchar(*p))
		p++;
	mlen = p - m;
	if (!mlen || p == eol || *p != ' ')
		return 400;
	t = ++p;
	while (p < eol && *p != ' ') {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return 400;
		p++;
	}
	tlen = p - t;
	if (!tlen || p == eol)
		return 400;
	v = p + 1;
	if (eol - v != 8 || strncmp(v, "HTTP/", 5) || v[5] < '0' || v[5] > '9' || v[6] != '.' ||
	    v[7] < '0' || v[7] > '9')
		return 400;
	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return 505;
	*get = (mlen == 3 && !strncmp(m, "GET", 3)) || (mlen == 4 && !strncmp(m, "HEAD", 4));
	r->head = mlen == 4 && !strncmp(m, "HEAD", 4);
	*metrics = (tlen == 8 || (tlen > 8 && t[8] == '?')) && !strncmp(t, "/metrics", 8);
	if (*t != '/' && *t != '*' && strncmp(t, "http://", 7))
		return 400;
	return 0;
}

/* "name: value" with a token name, a value of visible characters, spaces and tabs. */
static int header_line(const char *p, const char *eol)
{
	const char *n = p, *v;

	while (p < eol && tchar(*p))
		p++;
	if (p == n || p == eol || *p != ':')
		return 400; /* also an obsolete folded line, which starts with a space */
	for (v = ++p; p < eol; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 400;
	while (v < eol && (*v == ' ' || *v == '\t'))
		v++;
	/* no body is read: a request that announces one is not ours to answer */
	if (v - n >= 18 && !strncasecmp(n, "transfer-encoding:", 18))
		return 400;
	if (v - n >= 15 && !strncasecmp(n, "content-length:", 15) && (eol - v != 1 || *v != '0'))
		return 400;
	return 0;
}

int httpreq_parse(const char *buf, size_t len, struct http_req *r)
{
	size_t end = head_end(buf, len < HTTPREQ_MAX ? len : HTTPREQ_MAX);
	const char *p = buf, *eol;
	bool get = false, metrics = false;
	int st;

	memset(r, 0, sizeof(*r));
	if (!end)
		return len >= HTTPREQ_MAX ? 431 : 0;
	if (memchr(buf, 0, end))
		return 400;
	eol = memchr(p, '\r', end);
	if (!eol || eol[1] != '\n')
		return 400;
	st = request_line(p, eol, r, &get, &metrics);
	if (st)
		return st;
	for (p = eol + 2; p < buf + end - 2; p = eol + 2) {
		eol = memchr(p, '\r', buf + end - p);
		if (!eol || eol[1] != '\n' || memchr(p, '\n', eol - p))
			return 400; /* a bare LF or CR */
		if (++r->headers > HTTPREQ_MAX_HEADERS)
			return 431;
		st = header_line(p, eol);
		if (st)
			return st;
	}
	r->len = end;
	if (!get)
		return 405;
	return metrics ? 200 : 404;
}

const char *httpreq_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 431:
		return "Request Header Fields Too Large";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	}
	return "Error";
}
