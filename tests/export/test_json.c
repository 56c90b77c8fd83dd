// SPDX-License-Identifier: GPL-2.0
/* The JSON writer: strings from the traced program come out as valid UTF-8 JSON text. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include "export/json.h"

/* What json_str writes for s, as a malloc'd string. */
static char *json_of(const char *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct gp_json j;

	cr_assert_not_null(f);
	json_init(&j, f);
	json_str(&j, s);
	fclose(f);
	return text;
}

static void expect(const char *in, const char *out)
{
	char *text = json_of(in);

	cr_assert_str_eq(text, out, "for %s", in);
	free(text);
}

Test(json, well_formed_utf8_is_kept)
{
	expect("worker-0", "\"worker-0\"");
	expect("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	expect("\xe2\x82\xac 5", "\"\xe2\x82\xac 5\"");
	expect("\xf0\x9f\x94\xac", "\"\xf0\x9f\x94\xac\"");
	expect("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");
}

Test(json, bytes_outside_utf8_are_escaped_one_by_one)
{
	expect("bad\xff", "\"bad\\\\xff\"");
	expect("\x80x", "\"\\\\x80x\"");
	/* overlong forms, a surrogate, beyond U+10FFFF, a sequence cut short */
	expect("\xc0\xaf", "\"\\\\xc0\\\\xaf\"");
	expect("\xe0\x80\xaf", "\"\\\\xe0\\\\x80\\\\xaf\"");
	expect("\xed\xa0\x80", "\"\\\\xed\\\\xa0\\\\x80\"");
	expect("\xf4\x90\x80\x80", "\"\\\\xf4\\\\x90\\\\x80\\\\x80\"");
	expect("\xe2\x82", "\"\\\\xe2\\\\x82\"");
	expect("\xe2\x82x", "\"\\\\xe2\\\\x82x\"");
}

Test(json, control_characters_quotes_and_backslashes)
{
	expect("a\"b\\c", "\"a\\\"b\\\\c\"");
	expect("l1\nl2\tx\x01\x7f", "\"l1\\nl2\\tx\\u0001\\u007f\"");
}
