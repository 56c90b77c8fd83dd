/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The invoking user's identity under sudo (SUDO_UID/SUDO_GID), and becoming that user. Both
 * variables or neither: one without the other, a non-number or an id out of range is an error,
 * never a silent fallback to root.
 */
#ifndef GP_CREDS_H
#define GP_CREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct gp_creds {
	bool sudo; /* run through sudo: files and the target belong to uid/gid */
	uid_t uid;
	gid_t gid;
};

/* Parse SUDO_UID/SUDO_GID from the environment; -1 with one line in err on bad values. */
int creds_from_env(struct gp_creds *c, char *err, size_t errlen);
/* Parse the two values (NULL when unset); the pure part of creds_from_env(). */
int creds_parse(const char *suid, const char *sgid, struct gp_creds *c, char *err, size_t errlen);
/*
 * In a child about to act for the user: that user's supplementary groups, gid and uid, all three
 * real, effective and saved, checked afterwards. A no-op without sudo. Returns 0 or -errno.
 */
int creds_drop(const struct gp_creds *c);

#endif
