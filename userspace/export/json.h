/* SPDX-License-Identifier: GPL-2.0 */
/* A streaming JSON writer: keeps track of commas and nesting so callers only name values. */
#ifndef GP_JSON_H
#define GP_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define GP_JSON_DEPTH 32

struct gp_json {
	FILE *f;
	int depth;
	bool first[GP_JSON_DEPTH];
	bool pending_key; /* a key was written, its value comes next */
};

void json_init(struct gp_json *j, FILE *f);
void json_obj_begin(struct gp_json *j);
void json_obj_end(struct gp_json *j);
void json_arr_begin(struct gp_json *j);
void json_arr_end(struct gp_json *j);
void json_key(struct gp_json *j, const char *key);
void json_str(struct gp_json *j, const char *s);
void json_u64(struct gp_json *j, uint64_t v);
void json_i64(struct gp_json *j, int64_t v);
void json_double(struct gp_json *j, double v);
void json_bool(struct gp_json *j, bool v);
void json_null(struct gp_json *j);
/* key + value in one call */
void json_kstr(struct gp_json *j, const char *key, const char *s);
void json_ku64(struct gp_json *j, const char *key, uint64_t v);
void json_ki64(struct gp_json *j, const char *key, int64_t v);
void json_kdouble(struct gp_json *j, const char *key, double v);
void json_kbool(struct gp_json *j, const char *key, bool v);

#endif
