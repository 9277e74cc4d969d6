// SPDX-License-Identifier: GPL-2.0
/*
 * HTML form bodies (application/x-www-form-urlencoded), as the login and
 * triage forms post them: form_get() (web/form.c).  The input's first
 * line is the field name to look up (at most 32 bytes), the rest the body.
 *
 * A value found is what form.h promises: no NUL, no control character
 * but tab, CR and LF.  And a value encoded as a browser does reads back
 * whole from any body that carries it as the first such field.
 */
#include "web/form.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf out = STRBUF_INIT, body = STRBUF_INIT;
	const char *nl = memchr(data, '\n', size < 33 ? size : 33), *p;
	const char *text = (const char *)data;
	char name[33] = "name";
	size_t off = 0;
	int ret;

	if (nl) {
		memcpy(name, data, (size_t)(nl - text));
		name[nl - text] = '\0';
		off = (size_t)(nl - text) + 1;
	}
	ret = form_get(text + off, size - off, name, &out);
	FUZZ_CHECK(!ret || ret == -ENOENT || ret == -EINVAL, "form_get returned %d", ret);
	if (!ret) {
		FUZZ_CHECK(strlen(out.buf) == out.len, "a value with a NUL byte");
		for (p = out.buf; *p; p++)
			FUZZ_CHECK((unsigned char)*p >= 0x20 ? *p != 0x7f : strchr("\t\r\n", *p) != NULL,
				   "a value with control character %#x", (unsigned char)*p);
	}

	/* round trip: name=<the body, encoded>&<the body> */
	/* names are not decoded: one that encoding leaves as it is (the forms' names are) */
	if (name[0] && strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") ==
	    strlen(name) && !memchr(text + off, '\0', size - off)) {
		struct strbuf val = STRBUF_INIT;
		const char *q;
		bool clean = true;

		strbuf_add(&val, text + off, size - off);
		for (q = val.buf; *q; q++)
			if (((unsigned char)*q < 0x20 && !strchr("\t\r\n", *q)) || *q == 0x7f)
				clean = false;
		strbuf_addf(&body, "%s=", name);
		strbuf_addstr_urlencode(&body, val.buf);
		strbuf_addch(&body, '&');
		strbuf_add(&body, text + off, size - off);
		ret = form_get(body.buf, body.len, name, &out);
		if (clean)
			FUZZ_CHECK(!ret && out.len == val.len && !memcmp(out.buf, val.buf, val.len),
				   "'%s' does not read back from '%s' (%d)", val.buf, body.buf, ret);
		else
			FUZZ_CHECK(ret == -EINVAL, "'%s' with a control character read back (%d)", body.buf, ret);
		strbuf_release(&val);
	}
	strbuf_release(&body);
	strbuf_release(&out);
	return 0;
}
