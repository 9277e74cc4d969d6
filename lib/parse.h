/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_PARSE_H
#define FW_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Parse a size such as "1G", "512M", "64k", "4096" (binary multiples:
 * K/M/G/T, optional trailing "iB" or "B", case-insensitive).  Returns 0,
 * or -EINVAL for malformed text and -ERANGE for a size that overflows.
 */
int parse_size(const char *s, uint64_t *out);

/* Parse a decimal unsigned integer in [min, max]; 0 or -EINVAL/-ERANGE. */
int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * Whether s is one line of text fit for a log, a form, a JSON answer and
 * an XML feed: valid UTF-8 without control characters (C0, DEL, C1) or
 * noncharacters (utf8_text_char() of lib/utf8.h: U+FFFE, U+FFFF and the
 * like, which XML 1.0 forbids).
 */
bool parse_text_ok(const char *s);
/*
 * Whether s is text (parse_text_ok) that shows all it holds: no format,
 * invisible or space character but U+0020 (utf8_invisible()), and no
 * space at either end, so that two such strings that look alike are
 * alike.
 */
bool parse_visible_ok(const char *s);
/*
 * Whether s is a name as hosts and people are called: 1 to max bytes of
 * visible text (parse_visible_ok) without '/', and not "." or ".." (which
 * browsers resolve in a URL path), so that it is one URL path segment and
 * comes back through its link.
 */
bool parse_name_ok(const char *s, size_t max);
/*
 * s without the characters utf8_invisible() says are invisible and
 * without spaces at either end, appended to out: two names with the same
 * skeleton read alike.  Bytes that are not UTF-8 are kept as they are.
 */
struct strbuf;
void parse_name_skeleton(const char *s, struct strbuf *out);

/*
 * Workload names, the one rule that the collector's table follows and
 * forkwatchd enforces on what it stores: 1 to WORKLOAD_NAME_MAX - 1 bytes
 * of lower-case letters, digits, '-' and '_', a letter first.  The daemon
 * learns which workloads exist from the rows it stores, so a new workload
 * needs no change there, only a name that passes this.
 */
#define WORKLOAD_NAME_MAX 32
bool parse_workload_ok(const char *s);

/* Parse a finite decimal number (strtod syntax, nothing after it); 0 or -EINVAL. */
int parse_real(const char *s, double *out);

/* Format bytes as "1G", "64M", "16k" when exact, else as plain bytes. */
void parse_format_size(uint64_t bytes, char *buf, unsigned long len);

#endif
