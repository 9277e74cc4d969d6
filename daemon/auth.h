/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_AUTH_H
#define FW_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/strbuf.h"

/*
 * Tokens: 32 random bytes from libsodium, base64url, with a prefix that
 * says what they are ("fwh_" host, "fwa_" admin).  The server keeps only
 * BLAKE2b-256 hashes and compares hashes in constant time.
 */
#define AUTH_TOKEN_MAX 64
#define AUTH_HASH_LEN 32

/* Call once at start; 0 or -EIO when libsodium cannot initialise. */
int auth_init(void);
/* A new token with the given prefix, NUL-terminated, in out (AUTH_TOKEN_MAX bytes). */
void auth_token_new(const char *prefix, char out[AUTH_TOKEN_MAX]);
void auth_token_hash(const char *token, uint8_t out[AUTH_HASH_LEN]);
/* Constant-time equality of two hashes. */
bool auth_hash_equal(const uint8_t a[AUTH_HASH_LEN], const uint8_t b[AUTH_HASH_LEN]);

/*
 * The token of an "Authorization: Bearer <token>" header value, or NULL
 * when the header is absent or not a well-formed bearer token.  Points
 * into header.
 */
const char *auth_bearer(const char *header);

/*
 * Read the admin token from path, or, when path is NULL, from
 * <dir>/admin.token, creating it (mode 0600) with a new token when absent.
 * *created tells which.  The file must hold one token line.  Returns 0 or
 * a negative errno with err set.
 */
int auth_admin_token_load(const char *path, const char *dir, char out[AUTH_TOKEN_MAX],
			  bool *created, struct strbuf *used_path, struct strbuf *err);

/*
 * Failed-token attempts per client (auth_client_key()): after AUTH_FAIL_LIMIT
 * failures within AUTH_FAIL_WINDOW_S seconds an address is refused (429)
 * until the window passes.  Counted in the database (store_auth_fail()),
 * so that every forkwatchd on it refuses the address alike.
 */
#define AUTH_FAIL_LIMIT 20
#define AUTH_FAIL_WINDOW_S 60

/*
 * What failures are counted by, into key (64 bytes): an IPv4 address, or
 * an IPv6 address's /64 ("2001:db8:1:2::/64": a client given a /64 may take
 * any address in it); an IPv4-mapped IPv6 address counts as its IPv4 one.
 */
void auth_client_key(const char *addr, char *key, size_t len);

#endif
