// SPDX-License-Identifier: GPL-2.0
#include "collectors/http.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#ifdef FW_HAVE_CURL
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <dlfcn.h>

/*
 * libcurl is loaded with dlopen() when an upload command first needs it,
 * not linked: linked, it and its thirty-odd libraries would be mapped into
 * every benchmark process, and each extra mapping makes fork() slower by a
 * fixed amount that has nothing to do with the kernel under test.
 */
static struct {
	void *lib;
	CURLcode (*global_init)(long);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
} fw_curl;

static int curl_load(struct strbuf *err)
{
	static const struct {
		const char *name;
		size_t off;
	} syms[] = {
#define SYM(f) { "curl_" #f, offsetof(__typeof__(fw_curl), f) }
		SYM(global_init), SYM(global_cleanup), SYM(easy_init), SYM(easy_setopt),
		SYM(easy_perform), SYM(easy_getinfo), SYM(easy_cleanup), SYM(easy_strerror),
		SYM(slist_append), SYM(slist_free_all),
#undef SYM
	};
	void *lib;
	size_t i;

	if (fw_curl.lib)
		return 0;
	lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		if (err)
			strbuf_addf(err, "cannot load libcurl (%s): install libcurl4", dlerror());
		return -ENOENT;
	}
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *f = dlsym(lib, syms[i].name);

		if (!f) {
			if (err)
				strbuf_addf(err, "libcurl lacks %s", syms[i].name);
			dlclose(lib);
			return -ENOENT;
		}
		memcpy((char *)&fw_curl + syms[i].off, &f, sizeof(f));
	}
	fw_curl.lib = lib;
	return 0;
}

#define curl_global_init fw_curl.global_init
#define curl_global_cleanup fw_curl.global_cleanup
#define curl_easy_init fw_curl.easy_init
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_easy_setopt fw_curl.easy_setopt
#define curl_easy_perform fw_curl.easy_perform
#define curl_easy_getinfo fw_curl.easy_getinfo
#define curl_easy_cleanup fw_curl.easy_cleanup
#define curl_easy_strerror fw_curl.easy_strerror
#define curl_slist_append fw_curl.slist_append
#define curl_slist_free_all fw_curl.slist_free_all
#endif

/* An answer larger than this is no answer of the API (uploads are capped at 16 MiB too). */
#define HTTP_MAX_ANSWER (16u << 20)
#define HTTP_MAX_TOKEN 4096

int http_check_server(const char *server, struct strbuf *out, struct strbuf *err)
{
	static const char *const schemes[] = { "http://", "https://" };
	const char *p, *auth = NULL;
	size_t i, alen, n;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (!strncasecmp(server, schemes[i], strlen(schemes[i])))
			auth = server + strlen(schemes[i]);
	if (!auth) {
		strbuf_addf(err, "--server '%s': expected a URL like http://host:8080 or https://host", server);
		return -EINVAL;
	}
	for (p = server; *p; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '?' || *p == '#') {
			strbuf_addf(err, "--server '%s': a URL without spaces, query or fragment expected", server);
			return -EINVAL;
		}
	}
	alen = strcspn(auth, "/");
	if (!alen) {
		strbuf_addf(err, "--server '%s': no host in the URL", server);
		return -EINVAL;
	}
	if (memchr(auth, '@', alen)) {
		strbuf_addf(err, "--server '%s': user names and passwords in the URL are not supported "
			    "(the token files carry the credentials)", server);
		return -EINVAL;
	}
	n = strlen(server);
	while (n > (size_t)(auth - server) + alen && server[n - 1] == '/')
		n--;
	strbuf_add(out, server, n);
	return 0;
}

int http_check_token(const char *token, struct strbuf *err)
{
	size_t n = strlen(token), i;

	if (!n || n > HTTP_MAX_TOKEN) {
		strbuf_addf(err, "token is %s", n ? "too long" : "empty");
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if ((unsigned char)token[i] <= 0x20 || (unsigned char)token[i] >= 0x7f) {
			strbuf_addf(err, "token holds a space, control or non-ASCII character at byte %zu", i);
			return -EINVAL;
		}
	}
	return 0;
}

void http_path_escape(struct strbuf *sb, const char *s)
{
	strbuf_addstr_urlencode(sb, s);
}

#ifdef FW_HAVE_CURL

struct http_client {
	CURL *curl;                /* NULL until the first request */
	struct curl_slist *headers;
	struct strbuf base;
	char *token, *cacert;
	long timeout_ms, connect_timeout_ms;
	volatile sig_atomic_t *stop;
	char errbuf[CURL_ERROR_SIZE];
};

static int curl_users;

/* How a transport failure reads and which errno it is: one line per libcurl code. */
static const struct {
	CURLcode code;
	int err;
	const char *what;
} transport_errors[] = {
	{ CURLE_COULDNT_CONNECT, ECONNREFUSED, "cannot connect" },
	{ CURLE_COULDNT_RESOLVE_HOST, EHOSTUNREACH, "cannot resolve the server's name" },
	{ CURLE_COULDNT_RESOLVE_PROXY, EHOSTUNREACH, "cannot resolve the proxy's name" },
	{ CURLE_OPERATION_TIMEDOUT, ETIMEDOUT, "timed out" },
	{ CURLE_SSL_CONNECT_ERROR, EPROTO, "TLS handshake failed" },
	{ CURLE_PEER_FAILED_VERIFICATION, EPROTO, "TLS certificate not trusted (see --cacert)" },
	{ CURLE_SSL_CACERT_BADFILE, EPROTO, "cannot use the CA file" },
	{ CURLE_SSL_CERTPROBLEM, EPROTO, "TLS certificate problem" },
	{ CURLE_SSL_CIPHER, EPROTO, "TLS cipher problem" },
	{ CURLE_SEND_ERROR, ECONNRESET, "connection lost while sending" },
	{ CURLE_RECV_ERROR, ECONNRESET, "connection lost while receiving" },
	{ CURLE_GOT_NOTHING, ECONNRESET, "the server closed the connection without an answer" },
	{ CURLE_WEIRD_SERVER_REPLY, EPROTO, "not an HTTP answer" },
	{ CURLE_UNSUPPORTED_PROTOCOL, EPROTO, "not an HTTP answer or unsupported protocol" },
	{ CURLE_ABORTED_BY_CALLBACK, EINTR, "interrupted" },
	{ CURLE_WRITE_ERROR, EFBIG, "answer too large" },
	{ CURLE_URL_MALFORMAT, EINVAL, "malformed URL" },
	{ CURLE_OUT_OF_MEMORY, ENOMEM, "out of memory" },
};

bool http_available(void)
{
	/* without loading libcurl here: a missing library is reported at first use */
	return true;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct strbuf *sb = ctx;
	size_t n = size * nmemb;

	if (sb->len + n > HTTP_MAX_ANSWER)
		return 0; /* CURLE_WRITE_ERROR */
	strbuf_add(sb, data, n);
	return n;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct http_client *c = ctx;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return c->stop && *c->stop;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	if (c->curl) {
		curl_easy_cleanup(c->curl);
		curl_slist_free_all(c->headers);
		if (--curl_users == 0)
			curl_global_cleanup();
	}
	strbuf_release(&c->base);
	free(c->token);
	free(c->cacert);
	free(c);
}

/* Append one header; -ENOMEM when libcurl cannot. */
static int add_header(struct http_client *c, const char *h)
{
	struct curl_slist *l = curl_slist_append(c->headers, h);

	if (!l)
		return -ENOMEM;
	c->headers = l;
	return 0;
}

int http_client_new(struct http_client **out, const struct http_config *cfg, struct strbuf *err)
{
	struct http_client *c;
	int ret;

	*out = NULL;
	if (cfg->cacert && access(cfg->cacert, R_OK)) {
		ret = -errno;
		strbuf_addf(err, "--cacert '%s': %s", cfg->cacert, strerror(errno));
		return ret;
	}
	if (cfg->token && http_check_token(cfg->token, err))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	strbuf_init(&c->base, 0);
	ret = http_check_server(cfg->server, &c->base, err);
	if (ret) {
		http_client_free(c);
		return ret;
	}
	c->stop = cfg->stop;
	c->token = cfg->token ? strdup(cfg->token) : NULL;
	c->cacert = cfg->cacert ? strdup(cfg->cacert) : NULL;
	c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 60000L;
	c->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 10000L;
	if ((cfg->token && !c->token) || (cfg->cacert && !c->cacert)) {
		http_client_free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

/*
 * Load libcurl and set up the handle at the first request, not before:
 * `forkwatch run` makes its client before benchmarking, and the benchmark
 * processes must not carry libcurl's mappings.
 */
static int client_connect(struct http_client *c, struct strbuf *err)
{
	struct strbuf auth = STRBUF_INIT;
	int ret;

	if (c->curl)
		return 0;
	ret = curl_load(err);
	if (ret)
		return ret;
	if (curl_users == 0 && curl_global_init(CURL_GLOBAL_DEFAULT)) {
		strbuf_addstr(err, "cannot initialise libcurl");
		return -ENOMEM;
	}
	c->curl = curl_easy_init();
	if (!c->curl) {
		if (curl_users == 0)
			curl_global_cleanup();
		strbuf_addstr(err, "cannot initialise libcurl");
		return -ENOMEM;
	}
	curl_users++;
	/* "Expect:" keeps libcurl from waiting for 100-continue before large bodies */
	if ((ret = add_header(c, "Accept: application/json")) ||
	    (ret = add_header(c, "Content-Type: application/json")) ||
	    (ret = add_header(c, "Expect:")))
		goto out_nomem;
	if (c->token) {
		strbuf_addf(&auth, "Authorization: Bearer %s", c->token);
		ret = add_header(c, auth.buf);
		explicit_bzero(auth.buf, auth.len);
		strbuf_release(&auth);
		if (ret)
			goto out_nomem;
	}
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "forkwatch/" FORKWATCH_VERSION);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 2L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	if (c->cacert)
		curl_easy_setopt(c->curl, CURLOPT_CAINFO, c->cacert);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
	if (c->stop) {
		curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, c);
		curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
	}
	return 0;

out_nomem:
	strbuf_addstr(err, "out of memory");
	curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->headers);
	c->headers = NULL;
	c->curl = NULL;
	if (--curl_users == 0)
		curl_global_cleanup();
	return -ENOMEM;
}

int http_request(struct http_client *c, const char *method, const char *path, const char *body,
		 size_t len, long *status, struct strbuf *resp, struct strbuf *err)
{
	struct strbuf url = STRBUF_INIT;
	size_t before = resp->len, i;
	CURLcode rc;
	int ret = 0;

	*status = 0;
	ret = client_connect(c, err);
	if (ret)
		return ret;
	strbuf_addf(&url, "%s%s", c->base.buf, path);
	curl_easy_setopt(c->curl, CURLOPT_URL, url.buf);
	if (!strcmp(method, "POST")) {
		curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
	} else {
		curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, resp);
	c->errbuf[0] = '\0';
	rc = curl_easy_perform(c->curl);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
		goto out;
	}
	resp->len = before;
	resp->buf[before] = '\0';
	ret = -EIO;
	for (i = 0; i < sizeof(transport_errors) / sizeof(transport_errors[0]); i++)
		if (transport_errors[i].code == rc)
			break;
	if (i < sizeof(transport_errors) / sizeof(transport_errors[0])) {
		ret = -transport_errors[i].err;
		strbuf_addstr(err, transport_errors[i].what);
	} else {
		strbuf_addstr(err, curl_easy_strerror(rc));
	}
	/* libcurl's own line says which address and port; keep it on the same line */
	c->errbuf[strcspn(c->errbuf, "\r\n")] = '\0';
	if (c->errbuf[0])
		strbuf_addf(err, " (%s)", c->errbuf);
out:
	strbuf_release(&url);
	return ret;
}

#else /* !FW_HAVE_CURL */

bool http_available(void)
{
	return false;
}

int http_client_new(struct http_client **out, const struct http_config *cfg, struct strbuf *err)
{
	(void)cfg;
	*out = NULL;
	strbuf_addstr(err, "this forkwatch was built without libcurl: no upload support");
	return -ENOTSUP;
}

void http_client_free(struct http_client *c)
{
	(void)c;
}

int http_request(struct http_client *c, const char *method, const char *path, const char *body,
		 size_t len, long *status, struct strbuf *resp, struct strbuf *err)
{
	(void)c, (void)method, (void)path, (void)body, (void)len, (void)resp;
	*status = 0;
	strbuf_addstr(err, "this forkwatch was built without libcurl: no upload support");
	return -ENOTSUP;
}

#endif
