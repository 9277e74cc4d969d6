// SPDX-License-Identifier: GPL-2.0
/*
 * ingest-load: an HTTP load generator for forkwatchd (bench/README.md).
 * pthreads + libcurl, one curl handle (one keep-alive connection) per
 * client thread.  Documents are variations of one real result document
 * (benchdoc.h); nothing of forkwatch's code is used.
 *
 *   ingest-load register  --url U --admin-token F --prefix P --count N --out TOKENS
 *   ingest-load post      --url U[,U2...] --template DOC --tokens TOKENS --count N --clients C [--seed S]
 *   ingest-load load      --url U --template DOC --tokens TOKENS --kernels K --clients C [--seed S]
 *   ingest-load get       --url U --paths FILE --requests R --clients C [--warmup W] [--label L]
 *   ingest-load spool-gen --template DOC --tokens TOKENS --count N --dir SPOOL --list FILE [--seed S]
 *   ingest-load spool     --url U --tokens TOKENS --dir SPOOL --clients C --acked FILE
 *                         [--stop-on-error] [--failed FILE] [--retries N]
 *
 * TOKENS holds "hostname token" lines (what register writes).  Every mode
 * ends with one line "RESULT <mode> key=value ..." for the scripts, after
 * the human-readable lines.  Exit status: 0 when every request got the
 * answer it should, 1 when some did not, 2 on bad usage or setup.
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "benchdoc.h"

#define MAX_CLIENTS 256

static const char *usage_text =
	"usage: ingest-load MODE [options]; modes: register, post, load, get, spool-gen, spool\n"
	"  (see the comment at the top of bench/ingest-load.c and bench/README.md)\n";

/* ---- options ----------------------------------------------------------- */

struct opts {
	const char *url, *template_path, *tokens, *admin_token, *prefix, *out, *paths, *label;
	const char *dir, *list, *acked, *failed;
	long count, clients, kernels, requests, warmup, retries;
	uint64_t seed;
	bool seed_set, stop_on_error;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("ingest-load: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static long num(const char *opt, const char *v, long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || end == v || n < min || n > max)
		die("%s '%s': expected a whole number from %ld to %ld", opt, v, min, max);
	return n;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->clients = 1;
	o->retries = 5;
	o->label = "get";
	for (i = 2; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(k, "--stop-on-error")) {
			o->stop_on_error = true;
			continue;
		}
		if (!v)
			die("%s needs a value", k);
		i++;
		if (!strcmp(k, "--url"))
			o->url = v;
		else if (!strcmp(k, "--template"))
			o->template_path = v;
		else if (!strcmp(k, "--tokens"))
			o->tokens = v;
		else if (!strcmp(k, "--admin-token"))
			o->admin_token = v;
		else if (!strcmp(k, "--prefix"))
			o->prefix = v;
		else if (!strcmp(k, "--out"))
			o->out = v;
		else if (!strcmp(k, "--paths"))
			o->paths = v;
		else if (!strcmp(k, "--label"))
			o->label = v;
		else if (!strcmp(k, "--dir"))
			o->dir = v;
		else if (!strcmp(k, "--list"))
			o->list = v;
		else if (!strcmp(k, "--acked"))
			o->acked = v;
		else if (!strcmp(k, "--failed"))
			o->failed = v;
		else if (!strcmp(k, "--count"))
			o->count = num(k, v, 1, 100000000);
		else if (!strcmp(k, "--clients"))
			o->clients = num(k, v, 1, MAX_CLIENTS);
		else if (!strcmp(k, "--kernels"))
			o->kernels = num(k, v, 1, 1000000);
		else if (!strcmp(k, "--requests"))
			o->requests = num(k, v, 1, 100000000);
		else if (!strcmp(k, "--warmup"))
			o->warmup = num(k, v, 0, 1000000);
		else if (!strcmp(k, "--retries"))
			o->retries = num(k, v, 0, 100);
		else if (!strcmp(k, "--seed")) {
			o->seed = strtoull(v, NULL, 0);
			o->seed_set = true;
		} else
			die("unknown option %s\n%s", k, usage_text);
	}
	if (!o->seed_set)
		o->seed = bd_random_seed();
}

static void need(const void *v, const char *opt, const char *mode)
{
	if (!v)
		die("%s needs %s", mode, opt);
}

/* ---- hosts and tokens -------------------------------------------------- */

struct host {
	char name[256];
	char token[128];
};

static struct host *hosts;
static size_t nhosts;

static void load_tokens(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");
	size_t cap = 0;

	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (nhosts == cap) {
			cap = cap ? 2 * cap : 64;
			hosts = realloc(hosts, cap * sizeof(*hosts));
			if (!hosts)
				die("out of memory");
		}
		if (sscanf(line, "%255s %127s", hosts[nhosts].name, hosts[nhosts].token) == 2)
			nhosts++;
	}
	fclose(f);
	if (!nhosts)
		die("%s: no 'hostname token' lines", path);
}

/* ---- HTTP ------------------------------------------------------------- */

struct http {
	CURL *c;
	char *body;
	size_t len, cap;
	long status;
	long connects; /* new connections opened, summed over requests */
	char err[CURL_ERROR_SIZE];
	/* track_sent: the body goes through on_read, which counts what left */
	bool track_sent;
	const char *up;
	size_t up_len, up_pos, sent; /* sent: body bytes curl took, all attempts */
};

static size_t on_read(char *buf, size_t sz, size_t n, void *ctx)
{
	struct http *h = ctx;
	size_t k = h->up_len - h->up_pos;

	if (k > sz * n)
		k = sz * n;
	memcpy(buf, h->up + h->up_pos, k);
	h->up_pos += k;
	h->sent += k;
	return k;
}

/* curl rewinds the body when it retries on a fresh connection */
static int on_seek(void *ctx, curl_off_t off, int origin)
{
	struct http *h = ctx;

	if (origin != SEEK_SET || off < 0 || (size_t)off > h->up_len)
		return CURL_SEEKFUNC_CANTSEEK;
	h->up_pos = (size_t)off;
	return CURL_SEEKFUNC_OK;
}

static size_t on_data(char *p, size_t sz, size_t n, void *ctx)
{
	struct http *h = ctx;
	size_t add = sz * n;

	if (h->len + add + 1 > h->cap) {
		size_t cap = h->cap ? h->cap : 65536;

		while (cap < h->len + add + 1)
			cap *= 2;
		h->body = realloc(h->body, cap);
		if (!h->body)
			return 0;
		h->cap = cap;
	}
	memcpy(h->body + h->len, p, add);
	h->len += add;
	h->body[h->len] = '\0';
	return add;
}

static void http_init(struct http *h)
{
	memset(h, 0, sizeof(*h));
	h->c = curl_easy_init();
	if (!h->c)
		die("curl_easy_init failed");
	curl_easy_setopt(h->c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h->c, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(h->c, CURLOPT_ERRORBUFFER, h->err);
	curl_easy_setopt(h->c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(h->c, CURLOPT_TIMEOUT_MS, 120000L); /* bounded, whatever happens */
	curl_easy_setopt(h->c, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h->c, CURLOPT_USERAGENT, "forkwatch-bench/ingest-load");
}

static void http_cleanup(struct http *h)
{
	curl_easy_cleanup(h->c);
	free(h->body);
}

/*
 * One request on h's connection (kept alive between requests): GET when
 * data is NULL, else POST of len bytes of JSON.  token: the bearer, or
 * NULL.  Returns the CURLcode; h->status and h->body hold the answer.
 */
static CURLcode http_do(struct http *h, const char *url, const char *token, const char *data,
			size_t len)
{
	struct curl_slist *hdr = NULL;
	char auth[200];
	CURLcode rc;
	long nc = 0;

	h->len = 0;
	h->status = 0;
	h->err[0] = '\0';
	if (h->body)
		h->body[0] = '\0';
	if (token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		hdr = curl_slist_append(hdr, auth);
	}
	if (data) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		/* no 100-continue round trip before the body (as forkwatch's client) */
		hdr = curl_slist_append(hdr, "Expect:");
		curl_easy_setopt(h->c, CURLOPT_POST, 1L);
		h->sent = 0;
		if (h->track_sent) {
			h->up = data;
			h->up_len = len;
			h->up_pos = 0;
			curl_easy_setopt(h->c, CURLOPT_POSTFIELDS, NULL);
			curl_easy_setopt(h->c, CURLOPT_READFUNCTION, on_read);
			curl_easy_setopt(h->c, CURLOPT_READDATA, h);
			curl_easy_setopt(h->c, CURLOPT_SEEKFUNCTION, on_seek);
			curl_easy_setopt(h->c, CURLOPT_SEEKDATA, h);
		} else {
			curl_easy_setopt(h->c, CURLOPT_POSTFIELDS, data);
		}
		curl_easy_setopt(h->c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	} else {
		curl_easy_setopt(h->c, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(h->c, CURLOPT_URL, url);
	curl_easy_setopt(h->c, CURLOPT_HTTPHEADER, hdr);
	rc = curl_easy_perform(h->c);
	curl_easy_getinfo(h->c, CURLINFO_RESPONSE_CODE, &h->status);
	curl_easy_getinfo(h->c, CURLINFO_NUM_CONNECTS, &nc);
	h->connects += nc;
	curl_easy_setopt(h->c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdr);
	if (rc != CURLE_OK && !h->err[0])
		snprintf(h->err, sizeof(h->err), "%s", curl_easy_strerror(rc));
	return rc;
}

static void url_join(char *out, size_t len, const char *base, const char *path)
{
	size_t n = strlen(base);

	while (n && base[n - 1] == '/')
		n--;
	snprintf(out, len, "%.*s%s", (int)n, base, path);
}

/*
 * The i-th of a comma-separated list of base URLs (i modulo their number),
 * joined with path: post spreads its clients over several daemons.
 */
static void url_pick(char *out, size_t len, const char *list, size_t i, const char *path)
{
	char base[512];
	size_t n = 1, k, at;
	const char *p;

	for (p = list; *p; p++)
		n += *p == ',';
	for (p = list, k = i % n; k; p++)
		k -= *p == ',';
	at = strcspn(p, ",");
	snprintf(base, sizeof(base), "%.*s", (int)at, p);
	url_join(out, len, base, path);
}

/* ---- latency figures ---------------------------------------------------- */

struct lat {
	double *v;
	size_t n, cap;
};

static void lat_add(struct lat *l, double x)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			die("out of memory");
	}
	l->v[l->n++] = x;
}

static void lat_merge(struct lat *all, const struct lat *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		lat_add(all, l->v[i]);
}

struct figures {
	double p50, p99, max, mean;
};

static struct figures lat_figures(struct lat *l)
{
	struct figures f = { NAN, NAN, NAN, NAN };
	double sum = 0;
	size_t i;

	if (!l->n)
		return f;
	qsort(l->v, l->n, sizeof(*l->v), bd_cmp_double);
	for (i = 0; i < l->n; i++)
		sum += l->v[i];
	f.p50 = bd_pct(l->v, l->n, 50);
	f.p99 = bd_pct(l->v, l->n, 99);
	f.max = l->v[l->n - 1];
	f.mean = sum / (double)l->n;
	return f;
}

/* ---- a start line for client threads ----------------------------------- */

static pthread_barrier_t start_line;

/* CPU seconds (user + system) this process has used */
static double self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}
static atomic_long done_count, error_count;
static atomic_int first_errors;

static void note_error(const char *what, const struct http *h)
{
	atomic_fetch_add(&error_count, 1);
	if (atomic_fetch_add(&first_errors, 1) < 5)
		fprintf(stderr, "ingest-load: %s: HTTP %ld %s %.300s\n", what, h->status, h->err,
			h->body ? h->body : "");
}

/* ---- register --------------------------------------------------------- */

static int mode_register(const struct opts *o)
{
	char url[512], admin[256] = "", body[512];
	struct http h;
	FILE *f, *out;
	long i;

	need(o->url, "--url", "register");
	need(o->admin_token, "--admin-token", "register");
	need(o->prefix, "--prefix", "register");
	need(o->out, "--out", "register");
	if (!o->count)
		die("register needs --count");
	f = fopen(o->admin_token, "r");
	if (!f || !fgets(admin, sizeof(admin), f))
		die("%s: cannot read the admin token", o->admin_token);
	fclose(f);
	admin[strcspn(admin, "\r\n")] = '\0';
	out = fopen(o->out, "w");
	if (!out)
		die("%s: %s", o->out, strerror(errno));
	url_join(url, sizeof(url), o->url, "/api/v1/hosts");
	http_init(&h);
	for (i = 0; i < o->count; i++) {
		char name[256];
		json_t *j, *t;
		json_error_t je;

		snprintf(name, sizeof(name), "%s%03ld", o->prefix, i);
		snprintf(body, sizeof(body), "{\"hostname\": \"%s\"}", name);
		if (http_do(&h, url, admin, body, strlen(body)) != CURLE_OK || h.status != 201)
			die("registering %s: HTTP %ld %s %s", name, h.status, h.err, h.body ? h.body : "");
		j = json_loads(h.body, 0, &je);
		t = j ? json_object_get(j, "token") : NULL;
		if (!json_is_string(t))
			die("registering %s: no token in %s", name, h.body);
		fprintf(out, "%s %s\n", name, json_string_value(t));
		json_decref(j);
	}
	if (fclose(out))
		die("%s: %s", o->out, strerror(errno));
	http_cleanup(&h);
	printf("RESULT register hosts=%ld\n", o->count);
	return 0;
}

/* ---- post: timed uploads of pre-generated documents ---------------------- */

struct doc_text {
	char *text;
	size_t len;
};

struct post_thread {
	pthread_t tid;
	const struct opts *o;
	json_t *tmpl;
	int idx;
	struct doc_text *docs;
	size_t ndocs;
	size_t bytes;
	struct lat lat;
	double t_start, t_end;
	long created, existed, connects;
};

static void *post_main(void *arg)
{
	struct post_thread *t = arg;
	const struct host *hs = &hosts[(size_t)t->idx % nhosts];
	char url[512], uuid[37];
	struct http h;
	size_t i, j;

	/* generation first, before the start line: it is not measured */
	for (i = 0, j = (size_t)t->idx; j < (size_t)t->o->count; j += (size_t)t->o->clients, i++) {
		struct bd_var v = { hs->name, -1, 0, 0 };
		uint64_t s = t->o->seed ^ (0x9e3779b97f4a7c15ULL * (j + 1));

		v.seed = bd_splitmix(&s);
		v.scale = bd_factor(v.seed, 0.03);
		t->docs[i].text = bd_make(t->tmpl, &v, uuid, &t->docs[i].len);
		if (!t->docs[i].text)
			die("out of memory making documents");
		t->bytes += t->docs[i].len;
	}
	t->ndocs = i;
	url_pick(url, sizeof(url), t->o->url, (size_t)t->idx, "/api/v1/runs");
	http_init(&h);
	pthread_barrier_wait(&start_line);
	t->t_start = bd_now();
	for (i = 0; i < t->ndocs; i++) {
		double a = bd_now(), b;
		CURLcode rc = http_do(&h, url, hs->token, t->docs[i].text, t->docs[i].len);

		b = bd_now();
		lat_add(&t->lat, b - a);
		if (rc == CURLE_OK && h.status == 201)
			t->created++;
		else if (rc == CURLE_OK && h.status == 200)
			t->existed++; /* a replay: should not happen with fresh uuids */
		else
			note_error("POST /api/v1/runs", &h);
		atomic_fetch_add(&done_count, 1);
	}
	t->t_end = bd_now();
	t->connects = h.connects;
	http_cleanup(&h);
	for (i = 0; i < t->ndocs; i++)
		free(t->docs[i].text);
	return NULL;
}

static int mode_post(const struct opts *o)
{
	struct post_thread *t;
	struct lat all = { 0 };
	struct figures f;
	double t0 = 1e300, t1 = 0, wall, cpu0, cpu1;
	long created = 0, existed = 0, connects = 0;
	size_t bytes = 0;
	json_t *tmpl;
	int i;

	need(o->url, "--url", "post");
	need(o->template_path, "--template", "post");
	need(o->tokens, "--tokens", "post");
	if (!o->count)
		die("post needs --count");
	load_tokens(o->tokens);
	tmpl = bd_template_load(o->template_path);
	if (!tmpl)
		return 2;
	t = calloc((size_t)o->clients, sizeof(*t));
	pthread_barrier_init(&start_line, NULL, (unsigned)o->clients + 1);
	fprintf(stderr, "ingest-load: making %ld documents for %ld clients...\n", o->count,
		o->clients);
	for (i = 0; i < o->clients; i++) {
		t[i].o = o;
		t[i].tmpl = tmpl;
		t[i].idx = i;
		t[i].docs = calloc((size_t)(o->count / o->clients + 1), sizeof(*t[i].docs));
		if (!t[i].docs || pthread_create(&t[i].tid, NULL, post_main, &t[i]))
			die("cannot start client %d", i);
	}
	pthread_barrier_wait(&start_line);
	cpu0 = self_cpu(); /* the documents are made: from here on, only the uploads */
	fprintf(stderr, "ingest-load: uploading...\n");
	for (i = 0; i < o->clients; i++) {
		pthread_join(t[i].tid, NULL);
		if (t[i].t_start < t0)
			t0 = t[i].t_start;
		if (t[i].t_end > t1)
			t1 = t[i].t_end;
		lat_merge(&all, &t[i].lat);
		created += t[i].created;
		existed += t[i].existed;
		connects += t[i].connects;
		bytes += t[i].bytes;
	}
	cpu1 = self_cpu();
	wall = t1 - t0;
	f = lat_figures(&all);
	printf("%ld uploads by %ld clients in %.2f s: %.1f uploads/s; latency p50 %.2f ms, "
	       "p99 %.2f ms, max %.2f ms; %ld created, %ld already there, %ld errors; "
	       "%ld connections; %.0f bytes/document; client CPU %.2f ms/upload\n",
	       o->count, o->clients, wall, (double)o->count / wall, f.p50 * 1e3, f.p99 * 1e3,
	       f.max * 1e3, created, existed, (long)error_count, connects,
	       (double)bytes / (double)o->count, (cpu1 - cpu0) / (double)o->count * 1e3);
	printf("RESULT post clients=%ld n=%ld wall_s=%.3f rate=%.2f p50_ms=%.3f p99_ms=%.3f "
	       "max_ms=%.3f mean_ms=%.3f created=%ld existed=%ld errors=%ld connections=%ld "
	       "doc_bytes=%.0f client_cpu_ms=%.3f\n",
	       o->clients, o->count, wall, (double)o->count / wall, f.p50 * 1e3, f.p99 * 1e3,
	       f.max * 1e3, f.mean * 1e3, created, existed, (long)error_count, connects,
	       (double)bytes / (double)o->count, (cpu1 - cpu0) / (double)o->count * 1e3);
	json_decref(tmpl);
	return error_count || existed ? 1 : 0;
}

/* ---- load: hosts x kernels through the API, generated on the fly --------- */

struct load_thread {
	pthread_t tid;
	const struct opts *o;
	json_t *tmpl;
	long created, existed;
};

static atomic_long next_item, threads_done;

static void *load_main(void *arg)
{
	struct load_thread *t = arg;
	long total = (long)nhosts * t->o->kernels, i;
	char url[512], uuid[37];
	struct http h;

	url_join(url, sizeof(url), t->o->url, "/api/v1/runs");
	http_init(&h);
	while ((i = atomic_fetch_add(&next_item, 1)) < total) {
		/* kernel-major: every host uploads kernel k before anyone uploads k+1 */
		long k = i / (long)nhosts, hi = i % (long)nhosts;
		struct bd_var v = { hosts[hi].name, k, 0, 0 };
		uint64_t s = t->o->seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1));
		size_t len;
		char *text;
		int tries;

		v.seed = bd_splitmix(&s);
		/* per host a machine of its own speed, per kernel a little drift */
		v.scale = bd_factor(v.seed, 0.02) * (1.0 + 0.2 * (double)hi / (double)nhosts) *
			  (1.0 + 0.0002 * (double)k);
		text = bd_make(t->tmpl, &v, uuid, &len);
		if (!text)
			die("out of memory making documents");
		for (tries = 0;; tries++) {
			CURLcode rc = http_do(&h, url, hosts[hi].token, text, len);

			if (rc == CURLE_OK && h.status == 201) {
				t->created++;
				break;
			}
			if (rc == CURLE_OK && h.status == 200) {
				t->existed++;
				break;
			}
			/* busy or a dropped connection: a few bounded retries */
			if (tries < 3 && (rc != CURLE_OK || h.status >= 500 || h.status == 429)) {
				usleep(200000u << tries);
				continue;
			}
			note_error("POST /api/v1/runs", &h);
			break;
		}
		free(text);
		atomic_fetch_add(&done_count, 1);
	}
	http_cleanup(&h);
	atomic_fetch_add(&threads_done, 1);
	return NULL;
}

static int mode_load(const struct opts *o)
{
	struct load_thread *t;
	long created = 0, existed = 0, total, last = 0;
	double t0, tl;
	json_t *tmpl;
	int i;

	need(o->url, "--url", "load");
	need(o->template_path, "--template", "load");
	need(o->tokens, "--tokens", "load");
	if (!o->kernels)
		die("load needs --kernels");
	load_tokens(o->tokens);
	tmpl = bd_template_load(o->template_path);
	if (!tmpl)
		return 2;
	total = (long)nhosts * o->kernels;
	t = calloc((size_t)o->clients, sizeof(*t));
	t0 = tl = bd_now();
	for (i = 0; i < o->clients; i++) {
		t[i].o = o;
		t[i].tmpl = tmpl;
		if (pthread_create(&t[i].tid, NULL, load_main, &t[i]))
			die("cannot start client %d", i);
	}
	while (atomic_load(&threads_done) < o->clients) {
		double now;

		usleep(200000);
		now = bd_now();
		if (now - tl >= 10) {
			long d = atomic_load(&done_count);

			fprintf(stderr, "ingest-load: loaded %ld/%ld (%.0f/s lately), %ld errors\n", d,
				total, (double)(d - last) / (now - tl), (long)error_count);
			last = d;
			tl = now;
		}
	}
	for (i = 0; i < o->clients; i++) {
		pthread_join(t[i].tid, NULL);
		created += t[i].created;
		existed += t[i].existed;
	}
	printf("loaded %ld hosts x %ld kernels = %ld uploads in %.1f s (%.1f/s): %ld created, "
	       "%ld already there, %ld errors\n",
	       (long)nhosts, o->kernels, total, bd_now() - t0, (double)total / (bd_now() - t0),
	       created, existed, (long)error_count);
	printf("RESULT load n=%ld created=%ld existed=%ld errors=%ld wall_s=%.1f\n", total, created,
	       existed, (long)error_count, bd_now() - t0);
	json_decref(tmpl);
	return error_count ? 1 : 0;
}

/* ---- get: read latency ---------------------------------------------------- */

static char **paths;
static size_t npaths;

struct get_thread {
	pthread_t tid;
	const struct opts *o;
	int idx;
	long n;
	struct lat lat;
	double t_start, t_end, bytes;
	long connects;
};

static void *get_main(void *arg)
{
	struct get_thread *t = arg;
	uint64_t rng = t->o->seed ^ (0x1234567ULL * (uint64_t)(t->idx + 1));
	char url[1024];
	struct http h;
	long i;

	http_init(&h);
	for (i = 0; i < t->o->warmup; i++) { /* untimed: connection, caches */
		url_join(url, sizeof(url), t->o->url, paths[bd_splitmix(&rng) % npaths]);
		http_do(&h, url, NULL, NULL, 0);
	}
	pthread_barrier_wait(&start_line);
	t->t_start = bd_now();
	for (i = 0; i < t->n; i++) {
		double a, b;
		CURLcode rc;

		url_join(url, sizeof(url), t->o->url, paths[bd_splitmix(&rng) % npaths]);
		a = bd_now();
		rc = http_do(&h, url, NULL, NULL, 0);
		b = bd_now();
		lat_add(&t->lat, b - a);
		t->bytes += (double)h.len;
		if (rc != CURLE_OK || h.status != 200)
			note_error(url, &h);
	}
	t->t_end = bd_now();
	t->connects = h.connects;
	http_cleanup(&h);
	return NULL;
}

static void load_paths(const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	size_t cap = 0;

	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] != '/')
			continue;
		if (npaths == cap) {
			cap = cap ? 2 * cap : 1024;
			paths = realloc(paths, cap * sizeof(*paths));
		}
		paths[npaths++] = strdup(line);
	}
	fclose(f);
	if (!npaths)
		die("%s: no paths (lines starting with /)", path);
}

static int mode_get(const struct opts *o)
{
	struct get_thread *t;
	struct lat all = { 0 };
	struct figures f;
	double t0 = 1e300, t1 = 0, bytes = 0;
	long connects = 0;
	int i;

	need(o->url, "--url", "get");
	need(o->paths, "--paths", "get");
	if (!o->requests)
		die("get needs --requests");
	load_paths(o->paths);
	t = calloc((size_t)o->clients, sizeof(*t));
	pthread_barrier_init(&start_line, NULL, (unsigned)o->clients + 1);
	for (i = 0; i < o->clients; i++) {
		t[i].o = o;
		t[i].idx = i;
		t[i].n = o->requests / o->clients + (i < o->requests % o->clients);
		if (pthread_create(&t[i].tid, NULL, get_main, &t[i]))
			die("cannot start client %d", i);
	}
	pthread_barrier_wait(&start_line);
	for (i = 0; i < o->clients; i++) {
		pthread_join(t[i].tid, NULL);
		if (t[i].t_start < t0)
			t0 = t[i].t_start;
		if (t[i].t_end > t1)
			t1 = t[i].t_end;
		lat_merge(&all, &t[i].lat);
		bytes += t[i].bytes;
		connects += t[i].connects;
	}
	f = lat_figures(&all);
	printf("%s: %ld requests by %ld clients over %zu paths in %.2f s (%.0f/s): p50 %.0f us, "
	       "p99 %.0f us, max %.0f us, mean %.0f us; %ld errors; %.0f bytes/answer; "
	       "%ld connections\n",
	       o->label, o->requests, o->clients, npaths, t1 - t0, (double)o->requests / (t1 - t0),
	       f.p50 * 1e6, f.p99 * 1e6, f.max * 1e6, f.mean * 1e6, (long)error_count,
	       bytes / (double)o->requests, connects);
	printf("RESULT get label=%s clients=%ld n=%ld rate=%.1f p50_us=%.1f p99_us=%.1f "
	       "max_us=%.1f mean_us=%.1f errors=%ld bytes=%.0f connections=%ld\n",
	       o->label, o->clients, o->requests, (double)o->requests / (t1 - t0), f.p50 * 1e6,
	       f.p99 * 1e6, f.max * 1e6, f.mean * 1e6, (long)error_count,
	       bytes / (double)o->requests, connects);
	return error_count ? 1 : 0;
}

/* ---- spool-gen and spool: what a lab machine's spool does ---------------- */

static int mode_spool_gen(const struct opts *o)
{
	char path[1024], uuid[37];
	json_t *tmpl;
	FILE *list;
	size_t h;
	long j;

	need(o->template_path, "--template", "spool-gen");
	need(o->tokens, "--tokens", "spool-gen");
	need(o->dir, "--dir", "spool-gen");
	need(o->list, "--list", "spool-gen");
	if (!o->count)
		die("spool-gen needs --count");
	load_tokens(o->tokens);
	tmpl = bd_template_load(o->template_path);
	if (!tmpl)
		return 2;
	if (mkdir(o->dir, 0755) && errno != EEXIST)
		die("%s: %s", o->dir, strerror(errno));
	for (h = 0; h < nhosts; h++) {
		snprintf(path, sizeof(path), "%s/%s", o->dir, hosts[h].name);
		if (mkdir(path, 0755) && errno != EEXIST)
			die("%s: %s", path, strerror(errno));
	}
	list = fopen(o->list, "w");
	if (!list)
		die("%s: %s", o->list, strerror(errno));
	for (j = 0; j < o->count; j++) {
		const struct host *hs = &hosts[(size_t)j % nhosts];
		struct bd_var v = { hs->name, -1, 0, 0 };
		uint64_t s = o->seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(j + 1));
		size_t len;
		char *text;
		FILE *f;

		v.seed = bd_splitmix(&s);
		v.scale = bd_factor(v.seed, 0.03);
		text = bd_make(tmpl, &v, uuid, &len);
		if (!text)
			die("out of memory making documents");
		/* numbered: each host's spool is sent in order, oldest first */
		snprintf(path, sizeof(path), "%s/%s/%06ld-%s.json", o->dir, hs->name, j, uuid);
		f = fopen(path, "w");
		if (!f || fwrite(text, 1, len, f) != len || fclose(f))
			die("%s: cannot write", path);
		fprintf(list, "%s %s\n", uuid, hs->name);
		free(text);
	}
	if (fclose(list))
		die("%s: %s", o->list, strerror(errno));
	printf("RESULT spool-gen n=%ld hosts=%zu\n", o->count, nhosts);
	json_decref(tmpl);
	return 0;
}

struct spool_thread {
	pthread_t tid;
	const struct opts *o;
	int idx;
	int acked_fd, failed_fd;
	long posted, created, existed, transport, rejected, left;
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_file(const char *path, size_t *len)
{
	struct stat sb;
	char *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) || !(buf = malloc((size_t)sb.st_size + 1))) {
		close(fd);
		return NULL;
	}
	if (read(fd, buf, (size_t)sb.st_size) != sb.st_size) {
		close(fd);
		free(buf);
		return NULL;
	}
	close(fd);
	buf[sb.st_size] = '\0';
	*len = (size_t)sb.st_size;
	return buf;
}

/* one line, whole, with O_APPEND: lines of several threads never mix */
static void append_line(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append_line(int fd, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	if (fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (write(fd, line, (size_t)n) != n)
		die("cannot record '%s': %s", line, strerror(errno));
}

/*
 * Send one host's spool directory, oldest first.  A 2xx is recorded in
 * the acked file before the document leaves the spool.  A transport
 * error (the daemon died) stops this client with --stop-on-error, else it
 * is retried (bounded) like 5xx and 429; other 4xx are left in the spool.
 * Returns false when the client must stop.
 */
static bool spool_host(struct spool_thread *t, struct http *h, const struct host *hs)
{
	char dir[1024], path[2048], url[512], **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d;
	bool go = true;

	snprintf(dir, sizeof(dir), "%s/%s", t->o->dir, hs->name);
	d = opendir(dir);
	if (!d)
		return true; /* nothing spooled for this host */
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l < 6 || strcmp(de->d_name + l - 5, ".json"))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			names = realloc(names, cap * sizeof(*names));
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	url_join(url, sizeof(url), t->o->url, "/api/v1/runs");
	for (i = 0; i < n; i++) {
		const char *dash = strchr(names[i], '-');
		char uuid[37];
		size_t len;
		char *text;
		int tries;

		snprintf(uuid, sizeof(uuid), "%s", dash ? dash + 1 : names[i]);
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (!go) {
			t->left++;
			continue;
		}
		text = read_file(path, &len);
		if (!text)
			die("%s: cannot read", path);
		for (tries = 0;; tries++) {
			CURLcode rc = http_do(h, url, hs->token, text, len);

			t->posted++;
			if (rc == CURLE_OK && (h->status == 200 || h->status == 201)) {
				append_line(t->acked_fd, "%s %ld\n", uuid, h->status);
				if (unlink(path))
					die("%s: %s", path, strerror(errno));
				if (h->status == 201)
					t->created++;
				else
					t->existed++;
				break;
			}
			if (rc != CURLE_OK) {
				t->transport++;
				/*
				 * sent: body bytes that left for the daemon.  0: the
				 * request never reached it (curl may also have retried a
				 * broken keep-alive connection on a fresh one, so the
				 * code alone does not tell).
				 */
				append_line(t->failed_fd, "%s transport %d sent=%zu %s\n", uuid, (int)rc,
					    h->sent, h->err);
				if (t->o->stop_on_error) {
					go = false;
					t->left++;
					break;
				}
			}
			if (tries < t->o->retries &&
			    (rc != CURLE_OK || h->status >= 500 || h->status == 429 || h->status == 408)) {
				usleep(100000u << (tries < 5 ? tries : 5));
				continue;
			}
			if (rc == CURLE_OK) {
				t->rejected++;
				append_line(t->failed_fd, "%s http %ld\n", uuid, h->status);
				note_error("POST /api/v1/runs", h);
			}
			t->left++;
			break;
		}
		free(text);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return go;
}

static void *spool_main(void *arg)
{
	struct spool_thread *t = arg;
	struct http h;
	size_t i;

	http_init(&h);
	h.track_sent = true;
	for (i = (size_t)t->idx; i < nhosts; i += (size_t)t->o->clients)
		if (!spool_host(t, &h, &hosts[i]))
			break; /* stopped: this host's rest and the next hosts' spools stay */
	http_cleanup(&h);
	return NULL;
}

static int mode_spool(const struct opts *o)
{
	struct spool_thread *t;
	long posted = 0, created = 0, existed = 0, transport = 0, rejected = 0, left = 0;
	int acked_fd, failed_fd = -1, i;

	need(o->url, "--url", "spool");
	need(o->tokens, "--tokens", "spool");
	need(o->dir, "--dir", "spool");
	need(o->acked, "--acked", "spool");
	load_tokens(o->tokens);
	acked_fd = open(o->acked, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (acked_fd < 0)
		die("%s: %s", o->acked, strerror(errno));
	if (o->failed) {
		failed_fd = open(o->failed, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (failed_fd < 0)
			die("%s: %s", o->failed, strerror(errno));
	}
	t = calloc((size_t)o->clients, sizeof(*t));
	for (i = 0; i < o->clients; i++) {
		t[i].o = o;
		t[i].idx = i;
		t[i].acked_fd = acked_fd;
		t[i].failed_fd = failed_fd;
		if (pthread_create(&t[i].tid, NULL, spool_main, &t[i]))
			die("cannot start client %d", i);
	}
	for (i = 0; i < o->clients; i++) {
		pthread_join(t[i].tid, NULL);
		posted += t[i].posted;
		created += t[i].created;
		existed += t[i].existed;
		transport += t[i].transport;
		rejected += t[i].rejected;
		left += t[i].left;
	}
	close(acked_fd);
	if (failed_fd >= 0)
		close(failed_fd);
	printf("spool: %ld posts: %ld created (201), %ld already stored (200), %ld transport "
	       "errors, %ld refused; %ld documents left in the spool\n",
	       posted, created, existed, transport, rejected, left);
	printf("RESULT spool posted=%ld created=%ld existed=%ld transport=%ld rejected=%ld "
	       "left=%ld\n",
	       posted, created, existed, transport, rejected, left);
	return rejected ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	int ret;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	parse_opts(argc, argv, &o);
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		die("curl_global_init failed");
	if (!strcmp(argv[1], "register"))
		ret = mode_register(&o);
	else if (!strcmp(argv[1], "post"))
		ret = mode_post(&o);
	else if (!strcmp(argv[1], "load"))
		ret = mode_load(&o);
	else if (!strcmp(argv[1], "get"))
		ret = mode_get(&o);
	else if (!strcmp(argv[1], "spool-gen"))
		ret = mode_spool_gen(&o);
	else if (!strcmp(argv[1], "spool"))
		ret = mode_spool(&o);
	else
		die("unknown mode '%s'\n%s", argv[1], usage_text);
	curl_global_cleanup();
	return ret;
}
