/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_UTF8_H
#define FW_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The length of the valid UTF-8 sequence at s (1 for ASCII), or 0 when s
 * does not start one: a continuation byte, an overlong form, a surrogate,
 * a value past U+10FFFF, or a sequence cut short by avail bytes.  On a
 * NUL-terminated string avail may be SIZE_MAX: the NUL ends a sequence.
 * Inline: JSON parsing and escaping call it per character.
 */
static inline size_t utf8_len(const unsigned char *s, size_t avail)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp > 0x10ffff)
		return 0;
	return n;
}

/* The code point of the valid sequence of n bytes at s (n from utf8_len()). */
static inline uint32_t utf8_cp(const unsigned char *s, size_t n)
{
	static const unsigned char lead[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t cp = s[0] & lead[n];
	size_t i;

	for (i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return cp;
}

/*
 * Whether cp may stand in text that forkwatch writes as XML or HTML: not
 * a control character (C0, DEL, C1: tab and newline are the writers'
 * business) and not a noncharacter (U+FDD0..U+FDEF, U+xFFFE, U+xFFFF),
 * which XML 1.0 forbids (U+FFFE, U+FFFF) or HTML reports as errors.
 */
static inline bool utf8_text_char(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
		return false;
	if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
		return false;
	return cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
}

/*
 * Whether cp shows nothing, or not itself, where a name is read: format
 * characters (Unicode category Cf: zero-width space U+200B, joiners, the
 * bidirectional controls such as U+202E, the byte-order mark U+FEFF, tags),
 * the other default-ignorable ones (U+034F, the Hangul fillers, variation
 * selectors), line and paragraph separators, and every space but U+0020
 * ("lab-a\u200b" and "lab-a\u00a0" would read as "lab-a" and "lab-a ").
 */
static inline bool utf8_invisible(uint32_t cp)
{
	static const uint32_t r[][2] = {
		{ 0x00a0, 0x00a0 }, { 0x00ad, 0x00ad }, { 0x034f, 0x034f }, { 0x0600, 0x0605 },
		{ 0x061c, 0x061c }, { 0x06dd, 0x06dd }, { 0x070f, 0x070f }, { 0x0890, 0x0891 },
		{ 0x08e2, 0x08e2 }, { 0x115f, 0x1160 }, { 0x1680, 0x1680 }, { 0x17b4, 0x17b5 },
		{ 0x180b, 0x180f }, { 0x2000, 0x200f }, { 0x2028, 0x202f }, { 0x205f, 0x206f },
		{ 0x2800, 0x2800 }, { 0x3000, 0x3000 }, { 0x3164, 0x3164 }, { 0xfe00, 0xfe0f },
		{ 0xfeff, 0xfeff }, { 0xffa0, 0xffa0 }, { 0xfff0, 0xfffb }, { 0x110bd, 0x110bd },
		{ 0x110cd, 0x110cd }, { 0x13430, 0x1343f }, { 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a },
		{ 0xe0000, 0xe0fff },
	};
	size_t i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]) && cp >= r[i][0]; i++)
		if (cp <= r[i][1])
			return true;
	return false;
}

#endif
