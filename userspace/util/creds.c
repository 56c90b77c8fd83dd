// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util/creds.h"

/* A decimal id below 2^32 - 1: (uid_t)-1 means "unchanged" to setresuid(). */
static int id_parse(const char *name, const char *s, unsigned *out, char *err, size_t errlen)
{
	unsigned long long v = 0;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9' && v < 0xffffffffULL; p++)
		v = v * 10 + (unsigned)(*p - '0');
	if (!*s || *p || v >= 0xffffffffULL) {
		snprintf(err, errlen,
			 "%s must be a user or group id from 0 to 4294967294, not '%s'", name, s);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

int creds_parse(const char *suid, const char *sgid, struct gp_creds *c, char *err, size_t errlen)
{
	unsigned uid, gid;

	memset(c, 0, sizeof(*c));
	if (!suid && !sgid)
		return 0;
	if (!suid || !sgid) {
		snprintf(err, errlen, "%s is set without %s: refusing to guess who invoked sudo",
			 suid ? "SUDO_UID" : "SUDO_GID", suid ? "SUDO_GID" : "SUDO_UID");
		return -1;
	}
	if (id_parse("SUDO_UID", suid, &uid, err, errlen) ||
	    id_parse("SUDO_GID", sgid, &gid, err, errlen))
		return -1;
	c->sudo = true;
	c->uid = uid;
	c->gid = gid;
	return 0;
}

int creds_from_env(struct gp_creds *c, char *err, size_t errlen)
{
	return creds_parse(getenv("SUDO_UID"), getenv("SUDO_GID"), c, err, errlen);
}

int creds_drop(const struct gp_creds *c)
{
	struct passwd *pw;
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (!c->sudo)
		return 0;
	pw = getpwuid(c->uid);
	if (pw ? initgroups(pw->pw_name, c->gid) : setgroups(0, NULL))
		return -errno;
	if (setresgid(c->gid, c->gid, c->gid) || setresuid(c->uid, c->uid, c->uid))
		return -errno;
	/* Belt and braces: a kernel or seccomp policy that ignored the calls must not go unseen. */
	if (getresuid(&r, &e, &s) || getresgid(&rg, &eg, &sg) || r != c->uid || e != c->uid ||
	    s != c->uid || rg != c->gid || eg != c->gid || sg != c->gid)
		return -EPERM;
	if (c->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		return -EPERM;
	return 0;
}
