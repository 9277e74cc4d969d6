/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_FRAME_H
#define FW_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "lib/strbuf.h"

/*
 * Files carried over a text console (forkwatch vm's guest writes its
 * result document to the serial port): framed lines that survive what a
 * console does to a byte stream.  The kernel prints into it at any time
 * (a line of ours torn by a printk, or glued to one), a line can be cut
 * or lost, the sender sends everything more than once, "\n" may arrive
 * as "\r\n", and the log holds the boot's text around it.
 *
 * One file of name NAME and len bytes is written as lines
 *
 *   @FW1:<nonce>:B:<name>:<len>:<crc64 of the file, 16 hex>:<crc32, 8 hex>
 *   @FW1:<nonce>:D:<name>:<seq>:<base64 of bytes [57 seq, 57 seq + 57)>:<crc32>
 *   ... (ceil(len / 57) data lines, seq from 0)
 *
 * where each line's crc32 (IEEE 802.3, as zlib) covers the line from its
 * '@' up to and including the ':' before the crc.  nonce is the receiver's: a fresh one per
 * boot keeps a stale or foreign transmission out.  The whole file's
 * length and CRC-64 (ECMA-182 as xz uses it) decide: the decoder returns
 * a file only when its bytes, put together from lines whose own crc32
 * holds, have the length and CRC-64 of a begin line whose crc32 holds.
 * Torn, lost, duplicated, reordered and garbage lines thus give the file
 * or nothing, never other bytes (short of a deliberate forgery: these are
 * checksums, not signatures).
 */

#define FRAME_MAGIC "@FW1:"
#define FRAME_CHUNK 57             /* bytes per data line: 76 base64 characters */
#define FRAME_MAX_LEN (64u << 20)  /* the largest file carried */
#define FRAME_NAME_MAX 32
#define FRAME_NONCE_MAX 32

/* A name or nonce fit for a frame: 1 to FRAME_NAME_MAX (nonce: FRAME_NONCE_MAX) of [a-z0-9._-]. */
int frame_valid_name(const char *s);
int frame_valid_nonce(const char *s);

/* CRC-32 (zlib's crc32()) and CRC-64/XZ of len bytes, continuing from crc (0 to start). */
uint32_t frame_crc32(uint32_t crc, const void *buf, size_t len);
uint64_t frame_crc64(uint64_t crc, const void *buf, size_t len);

/*
 * Append the lines of one file to out.  Returns 0, or -EINVAL for a bad
 * name or nonce or a file longer than FRAME_MAX_LEN.
 */
int frame_encode(struct strbuf *out, const char *nonce, const char *name, const void *data, size_t len);

/*
 * Find file name in len bytes of console text (any bytes, NULs included)
 * and append its bytes to out.  Returns 0, -ENOENT when no valid begin
 * line of it is there, or -EBADMSG when one is but its data lines are
 * missing or do not add up to its length and CRC-64.  out is untouched
 * unless 0 is returned.  Cost: a pass over the text, and two more per
 * distinct begin line (at most 8) until one adds up; memory the size of
 * the file.
 */
int frame_decode(const char *text, size_t len, const char *nonce, const char *name, struct strbuf *out);

#endif
