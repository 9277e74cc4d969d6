// SPDX-License-Identifier: GPL-2.0
#include "daemon/auth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

int auth_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

void auth_token_new(const char *prefix, char out[AUTH_TOKEN_MAX])
{
	unsigned char raw[32];
	size_t plen = strlen(prefix);

	randombytes_buf(raw, sizeof(raw));
	memcpy(out, prefix, plen);
	sodium_bin2base64(out + plen, AUTH_TOKEN_MAX - plen, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void auth_token_hash(const char *token, uint8_t out[AUTH_HASH_LEN])
{
	crypto_generichash(out, AUTH_HASH_LEN, (const unsigned char *)token, strlen(token), NULL, 0);
}

bool auth_hash_equal(const uint8_t a[AUTH_HASH_LEN], const uint8_t b[AUTH_HASH_LEN])
{
	return sodium_memcmp(a, b, AUTH_HASH_LEN) == 0;
}

static bool auth_bearer_ok_chars(const char *t)
{
	return strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~+/=") ==
	       strlen(t);
}

const char *auth_bearer(const char *h)
{
	const char *t;
	size_t n;

	if (!h || strncasecmp(h, "Bearer ", 7))
		return NULL;
	t = h + 7;
	while (*t == ' ')
		t++;
	n = strlen(t);
	if (n == 0 || n >= AUTH_TOKEN_MAX || !auth_bearer_ok_chars(t))
		return NULL;
	return t;
}

int auth_admin_token_load(const char *path, const char *dir, char out[AUTH_TOKEN_MAX],
			  bool *created, struct strbuf *used_path, struct strbuf *err)
{
	struct strbuf sb = STRBUF_INIT;
	int fd, ret;

	*created = false;
	strbuf_reset(used_path);
	if (path)
		strbuf_addstr(used_path, path);
	else
		strbuf_addf(used_path, "%s/admin.token", dir);
	ret = strbuf_read_file(&sb, used_path->buf, 4096);
	if (ret == -ENOENT && !path) {
		char tmp[AUTH_TOKEN_MAX + 1];

		auth_token_new("fwa_", out);
		fd = open(used_path->buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			ret = -errno;
			strbuf_addf(err, "cannot create '%s': %s", used_path->buf, strerror(-ret));
			return ret;
		}
		snprintf(tmp, sizeof(tmp), "%s\n", out);
		if (write(fd, tmp, strlen(tmp)) != (ssize_t)strlen(tmp) || fsync(fd)) {
			ret = -errno;
			close(fd);
			unlink(used_path->buf);
			strbuf_addf(err, "cannot write '%s': %s", used_path->buf, strerror(-ret));
			return ret;
		}
		close(fd);
		*created = true;
		return 0;
	}
	if (ret) {
		strbuf_addf(err, "cannot read admin token file '%s': %s", used_path->buf, strerror(-ret));
		strbuf_release(&sb);
		return ret;
	}
	strbuf_rtrim(&sb);
	if (!sb.len || sb.len >= AUTH_TOKEN_MAX || strchr(sb.buf, '\n') || !auth_bearer_ok_chars(sb.buf)) {
		strbuf_addf(err, "admin token file '%s': expected one token line of at most %d characters",
			    used_path->buf, AUTH_TOKEN_MAX - 1);
		strbuf_release(&sb);
		return -EINVAL;
	}
	memcpy(out, sb.buf, sb.len + 1);
	strbuf_release(&sb);
	return 0;
}

/*
 * What failures are counted by: an IPv4 address, or an IPv6 address's
 * /64 (a client is given a /64 and may take any address in it, so that
 * counting addresses would give it 2^64 tries); IPv4-mapped IPv6
 * addresses count as their IPv4 one.
 */
void auth_client_key(const char *addr, char *key, size_t len)
{
	struct in6_addr a6;

	if (!strchr(addr, ':') || inet_pton(AF_INET6, addr, &a6) != 1 || IN6_IS_ADDR_V4MAPPED(&a6)) {
		snprintf(key, len, "%s", addr);
		return;
	}
	memset(a6.s6_addr + 8, 0, 8);
	if (!inet_ntop(AF_INET6, &a6, key, (socklen_t)len) || strlen(key) + 4 >= len) {
		snprintf(key, len, "%s", addr);
		return;
	}
	strcat(key, "/64");
}
