// SPDX-License-Identifier: GPL-2.0
#include "lib/parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/strbuf.h"
#include "lib/utf8.h"

int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0, mult = 1;
	const char *p = s;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (tolower((unsigned char)*p)) {
	case '\0': break;
	case 'k': mult = 1ULL << 10; p++; break;
	case 'm': mult = 1ULL << 20; p++; break;
	case 'g': mult = 1ULL << 30; p++; break;
	case 't': mult = 1ULL << 40; p++; break;
	case 'b': break;
	default: return -EINVAL;
	}
	if (*p && strcasecmp(p, "ib") && strcasecmp(p, "b"))
		return -EINVAL;
	if (*p && mult == 1 && strcasecmp(p, "b"))
		return -EINVAL;
	if (v && mult > UINT64_MAX / v)
		return -ERANGE;
	*out = v * mult;
	return 0;
}

int parse_real(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end || errno || !isfinite(v))
		return -EINVAL;
	*out = v;
	return 0;
}

void parse_format_size(uint64_t bytes, char *buf, unsigned long len)
{
	static const char units[] = "kMGT";
	int i;

	for (i = 3; i >= 0; i--) {
		uint64_t m = 1ULL << (10 * (i + 1));

		if (bytes >= m && bytes % m == 0) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(bytes / m), units[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)bytes);
}

bool parse_text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p) {
		n = utf8_len(p, SIZE_MAX);
		if (!n || !utf8_text_char(utf8_cp(p, n)))
			return false;
		p += n;
	}
	return true;
}

bool parse_visible_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (!parse_text_ok(s))
		return false;
	if (*s == ' ' || (*s && s[strlen(s) - 1] == ' '))
		return false;
	for (; *p; p += n) {
		n = utf8_len(p, SIZE_MAX);
		if (utf8_invisible(utf8_cp(p, n)))
			return false;
	}
	return true;
}

bool parse_name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n && n <= max && parse_visible_ok(s) && !strchr(s, '/') && strcmp(s, ".") &&
	       strcmp(s, "..");
}

void parse_name_skeleton(const char *s, struct strbuf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start = out->len, n;

	while (*p) {
		n = utf8_len(p, SIZE_MAX);
		if (!n)
			n = 1;
		else if (utf8_invisible(utf8_cp(p, n)) || (*p == ' ' && out->len == start)) {
			p += n;
			continue;
		}
		strbuf_add(out, p, n);
		p += n;
	}
	while (out->len > start && out->buf[out->len - 1] == ' ')
		strbuf_setlen(out, out->len - 1);
}

bool parse_workload_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_");

	return n && !s[n] && n < WORKLOAD_NAME_MAX && s[0] >= 'a' && s[0] <= 'z';
}
