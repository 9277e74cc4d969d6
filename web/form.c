// SPDX-License-Identifier: GPL-2.0
#include "web/form.h"

#include <errno.h>
#include <string.h>

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode s[0, len) into out; -EINVAL as form_get() says. */
static int decode(const char *s, size_t len, struct strbuf *out)
{
	size_t i;
	int hi, lo, c;

	strbuf_reset(out);
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			if (i + 2 >= len)
				return -EINVAL;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c == 0 || (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
			return -EINVAL;
		strbuf_addch(out, c);
	}
	return 0;
}

int form_get(const char *body, size_t len, const char *name, struct strbuf *out)
{
	size_t nlen = strlen(name), i = 0, end, eq;
	int ret = -ENOENT;

	if (memchr(body, '\0', len))
		return -EINVAL;
	while (i < len) {
		const char *amp = memchr(body + i, '&', len - i);

		end = amp ? (size_t)(amp - body) : len;
		for (eq = i; eq < end && body[eq] != '='; eq++)
			;
		if (ret == -ENOENT && eq - i == nlen && !memcmp(body + i, name, nlen)) {
			ret = decode(body + eq + (eq < end), end - eq - (eq < end), out);
			if (ret)
				return ret;
		}
		i = end + 1;
	}
	return ret;
}
