// SPDX-License-Identifier: GPL-2.0
/*
 * forkwatch register, hosts, run and agent: the lab machine's side of
 * forkwatchd (docs/http-api.md).  Policy (statuses, backoff, the flush,
 * the token file) lives in upload.c; this file parses options, reads the
 * token files, and turns outcomes into messages and exit codes.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collectors/cmd.h"
#include "lib/fileio.h"
#include "collectors/http.h"
#include "collectors/ident.h"
#include "lib/jread.h"
#include "lib/jsonw.h"
#include "lib/opt.h"
#include "lib/parse.h"
#include "collectors/spool.h"
#include "collectors/upload.h"

/* Exit codes of the upload commands (also in their --help and the README). */
enum {
	UP_EXIT_OK = 0,
	UP_EXIT_REFUSED = 1,  /* the server refused a request or document for good */
	UP_EXIT_USAGE = 2,    /* bad options, unreadable files, local failures (as bench) */
	UP_EXIT_SPOOLED = 3,  /* the server stayed unreachable: results stay in the spool */
	UP_EXIT_SETUP = 4,    /* the server refused our token or route: fix the set-up */
	UP_EXIT_INTR = 130,
};

#define UP_EXIT_HELP                                                                     \
	"exit: 0 done; 1 the server refused a request or result for good; 2 bad options or a\n" \
	"local failure; 3 the server stayed unreachable (results stay spooled); 4 the server\n" \
	"refused the token or the URL (results stay spooled); 130 interrupted."

#define UP_TOKEN_FILE_HELP                                                               \
	"The host token file (default $FORKWATCH_STATE_DIR/host.token, i.e.\n"            \
	"/var/lib/forkwatch/host.token, mode 0600) holds two lines, 'name=<the host's name\n" \
	"on the server>' and 'token=<its token>'; a file holding only a token works too."

static volatile sig_atomic_t up_stop;

static void up_on_signal(int sig)
{
	up_stop = sig;
}

static void up_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = up_on_signal; /* no SA_RESTART: waits must return to see the flag */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void up_log(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "forkwatch: %s\n", line);
	fflush(stderr);
}

static int up_no_curl(const char *cmd)
{
	return cmd_say(UP_EXIT_USAGE, "%s: this build has no upload support (built without libcurl); "
			 "write the result with 'forkwatch bench --json FILE' and upload it from elsewhere", cmd);
}

/* Settings shared by the commands; each command's opt table points into it. */
struct up_args {
	const char *server, *token_file, *admin_token_file, *spool, *cacert;
	const char *name, *hostname, *kernel_commit;
	unsigned retry_for, timeout;
	bool force, retired;
};

static bool up_name_ok(const char *s)
{
	return parse_name_ok(s, 128);
}

#define UP_NAME_EXPECT "expected 1 to 128 bytes without control characters or '/'"
#define UP_OPT_SERVER(a) { OPT_STRING("server", "URL", &(a).server, "forkwatchd's URL, e.g. http://fw.lab:8080 (required)") }
#define UP_OPT_CACERT(a) { OPT_STRING("cacert", "FILE", &(a).cacert, "CA certificate(s) to verify an https server with") }
#define UP_OPT_TIMEOUT(a)                                                                     \
	{ OPT_UINT("timeout", "SECONDS", &(a).timeout, 1, 1000000000, "60", "limit per request"), \
	  .expect = "expected a whole number of seconds, at least 1" }
#define UP_OPT_TOKEN(a) { OPT_STRING("token-file", "FILE", &(a).token_file, "host token file (default $FORKWATCH_STATE_DIR/host.token)") }
#define UP_OPT_SPOOL(a) { OPT_STRING("spool", "DIR", &(a).spool, "spool directory (default $FORKWATCH_STATE_DIR/spool)") }
#define UP_OPT_RETRY(a, def, help)                                                           \
	{ OPT_UINT("retry-for", "SECONDS", &(a).retry_for, 0, 1000000000, def, help),            \
	  .expect = "expected a whole number of seconds" }

/*
 * Pick this command's options out of an argv that also holds bench's,
 * before bench_main() parses all of it: so that the server, the token
 * and every value of ours are checked before a benchmark of many
 * minutes.  Returns 1 when --help is asked for, 0 to go on, or the exit
 * code after saying what is wrong.
 */
static int up_prescan(const struct opt *opts, int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	int ret = opt_parse(opts, argc, argv, OPT_PARSE_PICK, NULL, &err);

	if (ret < 0)
		ret = cmd_say(UP_EXIT_USAGE, "%s", err.buf);
	strbuf_release(&err);
	return ret;
}

/* Read a token file: the token (and the name, when it has one). */
static int up_read_token(const char *opt, const char *path, struct strbuf *name, struct strbuf *token,
			 const char *hint)
{
	struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
	int ret = strbuf_read_file(&text, path, 1 << 16);
	struct stat st;

	if (ret) {
		ret = cmd_say(UP_EXIT_USAGE, "%s '%s': %s%s", opt, path, strerror(-ret), hint ? hint : "");
		goto out;
	}
	if (upload_token_parse(text.buf, name, token)) {
		ret = cmd_say(UP_EXIT_USAGE, "%s '%s': no token in the file", opt, path);
		goto out;
	}
	if (http_check_token(token->buf, &err)) {
		ret = cmd_say(UP_EXIT_USAGE, "%s '%s': %s", opt, path, err.buf);
		goto out;
	}
	if (!stat(path, &st) && (st.st_mode & 077))
		cmd_say(0, "warning: %s '%s' is open to others (mode %04o): chmod 600 '%s'", opt, path,
			(unsigned)(st.st_mode & 07777), path);
out:
	explicit_bzero(text.buf, text.len);
	strbuf_release(&text);
	strbuf_release(&err);
	return ret;
}

/* The client for a command: server URL, optional token, --cacert, --timeout. */
static int up_client(const struct up_args *a, const char *token, struct http_client **http)
{
	struct http_config cfg = { 0 };
	struct strbuf err = STRBUF_INIT;
	unsigned timeout = a->timeout;
	int ret;

	cfg.server = a->server;
	cfg.token = token && *token ? token : NULL;
	cfg.cacert = a->cacert;
	cfg.timeout_ms = (long)timeout * 1000;
	cfg.connect_timeout_ms = timeout < 10 ? (long)timeout * 1000 : 10000;
	cfg.stop = &up_stop;
	ret = http_client_new(http, &cfg, &err);
	if (ret)
		ret = cmd_say(UP_EXIT_USAGE, "%s", err.buf);
	strbuf_release(&err);
	return ret;
}

/* How many columns s takes: its UTF-8 characters. */
static int up_width(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Print s for a terminal: control characters (never in names, but who knows) as '?'. */
static void up_put_safe(FILE *f, const char *s, int width)
{
	int n = 0;

	for (; *s; s++) {
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
		n += ((unsigned char)*s & 0xc0) != 0x80; /* UTF-8: count characters, not bytes */
	}
	for (; n < width; n++)
		fputc(' ', f);
}

/*
 * One request without retries, for the interactive admin commands: the
 * answer's status, or an exit code after saying what went wrong.
 */
static int up_once(struct http_client *http, const char *server, const char *method, const char *path,
		   const char *body, size_t len, long *status, struct strbuf *resp)
{
	struct strbuf err = STRBUF_INIT, msg = STRBUF_INIT;
	int ret = http_request(http, method, path, body, len, status, resp, &err);

	if (ret) {
		ret = cmd_say(ret == -EINTR ? UP_EXIT_INTR : UP_EXIT_SPOOLED, "cannot reach '%s': %s", server,
			     err.buf);
		goto out;
	}
	switch (upload_classify(*status)) {
	case UPLOAD_DONE:
		break;
	case UPLOAD_RETRY:
		ret = UP_EXIT_SPOOLED;
		break;
	case UPLOAD_STOP:
		/* a refused token is the set-up's; a 404 here is a name that is not there */
		ret = *status == 401 || *status == 403 ? UP_EXIT_SETUP : UP_EXIT_REFUSED;
		break;
	case UPLOAD_REJECT:
		ret = UP_EXIT_REFUSED;
		break;
	}
	if (ret) {
		upload_error_message(resp->buf, resp->len, &msg);
		ret = cmd_say(ret, "%s %s: server answered %ld: %s", method, path, *status, msg.buf);
	}
out:
	strbuf_release(&msg);
	strbuf_release(&err);
	return ret;
}

/* ---- register ---- */

/* The token file's temporary file, made before registering so that a bad path fails first. */
static int up_token_tmp(const char *path, struct strbuf *tmp, int *fd)
{
	strbuf_addf(tmp, "%s.tmp.%d", path, (int)getpid());
	*fd = open(tmp->buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (*fd < 0)
		return cmd_say(UP_EXIT_USAGE, "--token-file '%s': cannot create '%s': %s", path, tmp->buf,
			      strerror(errno));
	return 0;
}

/* Write, fsync, and put into place: rename with --force, else link (fails if it exists). */
static int up_token_commit(int fd, const char *tmp, const char *path, const struct strbuf *text, bool force)
{
	int ret = fileio_write_all(fd, text->buf, text->len);

	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && (force ? rename(tmp, path) : link(tmp, path)))
		ret = -errno;
	if (!force || ret)
		unlink(tmp);
	if (!ret)
		fileio_fsync_parent(path);
	return ret;
}

int cmd_register(int argc, char **argv)
{
	struct up_args a = { 0 };
	const struct opt opts[] = {
		UP_OPT_SERVER(a),
		{ OPT_STRING("admin-token-file", "FILE", &a.admin_token_file, "the server's admin token (required)") },
		{ OPT_STRING("name", "NAME", &a.name, "the host's name on the server (default: its hostname)"),
		  .valid = up_name_ok, .expect = UP_NAME_EXPECT },
		{ OPT_STRING("hostname", "HOST", &a.hostname,
			     "what its results give as host.hostname (default: gethostname())") },
		UP_OPT_TOKEN(a),
		{ OPT_FLAG("force", &a.force, "replace an existing token file") },
		UP_OPT_CACERT(a),
		UP_OPT_TIMEOUT(a),
		{ OPT_END },
	};
	struct strbuf err = STRBUF_INIT, admin = STRBUF_INIT, unused = STRBUF_INIT, body = STRBUF_INIT;
	struct strbuf resp = STRBUF_INIT, path = STRBUF_INIT, tmp = STRBUF_INIT, text = STRBUF_INIT;
	struct http_client *http = NULL;
	struct jread_node *root = NULL;
	struct jw jw;
	const char *token, *name;
	char host[256];
	long status;
	int ret, fd = -1;

	if (!http_available())
		return up_no_curl("register");
	ret = opt_parse(opts, argc, argv, 0, NULL, &err);
	if (ret == 1) {
		opt_usage(stdout, "forkwatch register --server URL --admin-token-file FILE [--name NAME]\n"
				  "          [--hostname HOST] [--token-file FILE] [--force]",
			  "Register this lab machine with forkwatchd (POST /api/v1/hosts) and keep the host\n"
			  "token it returns, which only this answer ever shows.  The token is never printed.\n\n"
			  UP_TOKEN_FILE_HELP "\n\n" UP_EXIT_HELP, opts);
		ret = 0;
		goto out;
	}
	if (ret) {
		ret = cmd_say(UP_EXIT_USAGE, ret == -EINVAL ? "%s: see 'forkwatch register --help'" : "%s", err.buf);
		goto out;
	}
	if (!a.server || !a.admin_token_file) {
		ret = cmd_say(UP_EXIT_USAGE, "register needs --server and --admin-token-file: see 'forkwatch register --help'");
		goto out;
	}
	if (a.hostname) {
		snprintf(host, sizeof(host), "%s", a.hostname);
	} else if (gethostname(host, sizeof(host))) {
		ret = cmd_say(UP_EXIT_USAGE, "cannot read the hostname: %s; pass --hostname", strerror(errno));
		goto out;
	}
	host[sizeof(host) - 1] = '\0';
	if (!parse_name_ok(host, 128)) {
		ret = cmd_say(UP_EXIT_USAGE, "hostname '%s': expected 1 to 128 bytes without control characters or '/'", host);
		goto out;
	}
	if ((ret = up_read_token("--admin-token-file", a.admin_token_file, &unused, &admin, NULL)))
		goto out;
	if (a.token_file) {
		strbuf_addstr(&path, a.token_file);
	} else {
		if (mkdir(cmd_state_dir(), 0700) && errno != EEXIST) {
			ret = cmd_say(UP_EXIT_USAGE, "cannot create state directory '%s': %s", cmd_state_dir(),
				     strerror(errno));
			goto out;
		}
		strbuf_addf(&path, "%s/host.token", cmd_state_dir());
	}
	if (!a.force && !access(path.buf, F_OK)) {
		ret = cmd_say(UP_EXIT_USAGE, "--token-file '%s' exists: this machine is registered already "
			     "(pass --force to register again and replace it)", path.buf);
		goto out;
	}
	if ((ret = up_client(&a, admin.buf, &http)) || (ret = up_token_tmp(path.buf, &tmp, &fd)))
		goto out;

	jw_init(&jw, &body);
	jw_obj_begin(&jw, NULL);
	jw_str(&jw, "hostname", host);
	if (a.name)
		jw_str(&jw, "name", a.name);
	jw_obj_end(&jw);
	up_catch_signals();
	ret = up_once(http, a.server, "POST", "/api/v1/hosts", body.buf, body.len, &status, &resp);
	if (ret)
		goto out;
	strbuf_reset(&err);
	if (jread_parse(&root, resp.buf, resp.len, &err) || !(token = jread_str(jread_get(root, "token"))) ||
	    http_check_token(token, &err)) {
		ret = cmd_say(UP_EXIT_REFUSED, "the server's answer to the registration holds no usable token: %s",
			     err.len ? err.buf : "no \"token\"");
		goto out;
	}
	name = jread_str(jread_get(jread_get(root, "host"), "name"));
	if (!name)
		name = a.name ? a.name : host;
	upload_token_format(&text, name, token);
	ret = up_token_commit(fd, tmp.buf, path.buf, &text, a.force);
	fd = -1;
	explicit_bzero(text.buf, text.len);
	if (ret) {
		ret = cmd_say(UP_EXIT_USAGE, "host '%s' is registered, but its token could not be written to '%s': %s; "
			     "retire it ('forkwatch hosts retire') and register again", name, path.buf, strerror(-ret));
		goto out;
	}
	printf("forkwatch: registered host '%s' (hostname '%s'); its token is in '%s'\n", name, host, path.buf);
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp.buf);
	}
	if (root && (token = jread_str(jread_get(root, "token"))))
		explicit_bzero((char *)token, strlen(token));
	jread_free(root);
	http_client_free(http);
	explicit_bzero(admin.buf, admin.len);
	explicit_bzero(resp.buf, resp.len);
	strbuf_release(&text);
	strbuf_release(&tmp);
	strbuf_release(&path);
	strbuf_release(&resp);
	strbuf_release(&body);
	strbuf_release(&unused);
	strbuf_release(&admin);
	strbuf_release(&err);
	return ret;
}

/* ---- hosts ---- */

static void up_format_time(const struct jread_node *n, char *out, size_t len)
{
	double t;
	time_t tt;
	struct tm tm;

	if (!jread_num(n, &t) || t <= 0) {
		snprintf(out, len, "-");
		return;
	}
	tt = (time_t)t;
	gmtime_r(&tt, &tm);
	strftime(out, len, "%Y-%m-%d %H:%M", &tm);
}

#define UP_HOST_COLS 8

static int hosts_list(struct http_client *http, const struct up_args *a, char **args)
{
	static const char *const titles[UP_HOST_COLS] = {
		"NAME", "HOSTNAME", "ARCH", "CPUS", "UPLOADS", "LATEST KERNEL", "LAST SEEN (UTC)", "STATE",
	};
	struct strbuf resp = STRBUF_INIT, err = STRBUF_INIT;
	struct strbuf *cells = NULL;
	struct jread_node *root = NULL;
	const struct jread_node *hosts, *h;
	int width[UP_HOST_COLS];
	size_t i, n = 0;
	long status;
	int ret, c;

	(void)args;
	ret = up_once(http, a->server, "GET", a->retired ? "/api/v1/hosts?retired=1" : "/api/v1/hosts",
		      NULL, 0, &status, &resp);
	if (ret)
		goto out;
	if (jread_parse(&root, resp.buf, resp.len, &err) ||
	    !(hosts = jread_get(root, "hosts")) || hosts->type != JREAD_ARR) {
		ret = cmd_say(UP_EXIT_REFUSED, "GET /api/v1/hosts: unexpected answer: %s", err.len ? err.buf : "no \"hosts\" list");
		goto out;
	}
	n = hosts->n;
	cells = calloc((n + 1) * UP_HOST_COLS, sizeof(*cells));
	if (!cells) {
		ret = cmd_say(UP_EXIT_USAGE, "out of memory");
		goto out;
	}
	for (c = 0; c < UP_HOST_COLS; c++) {
		strbuf_init(&cells[c], 0);
		strbuf_addstr(&cells[c], titles[c]);
	}
	for (i = 0; i < n; i++) {
		struct strbuf *row = &cells[(i + 1) * UP_HOST_COLS];
		const struct jread_node *lk;
		const char *s;
		char when[32];
		double v;

		h = jread_at(hosts, i);
		for (c = 0; c < UP_HOST_COLS; c++)
			strbuf_init(&row[c], 0);
		strbuf_addstr(&row[0], (s = jread_str(jread_get(h, "name"))) ? s : "?");
		strbuf_addstr(&row[1], (s = jread_str(jread_get(h, "hostname"))) ? s : "-");
		strbuf_addstr(&row[2], (s = jread_str(jread_get(h, "arch"))) ? s : "-");
		if (jread_num(jread_get(h, "cpus"), &v))
			strbuf_addf(&row[3], "%.0f", v);
		if (jread_num(jread_get(h, "uploads"), &v))
			strbuf_addf(&row[4], "%.0f", v);
		/* latest_kernel: an ident, or a kernel object with one */
		lk = jread_get(h, "latest_kernel");
		s = jread_str(lk) ? jread_str(lk) : jread_str(jread_get(lk, "ident"));
		strbuf_addstr(&row[5], s ? s : "-");
		up_format_time(jread_get(h, "last_seen_at"), when, sizeof(when));
		strbuf_addstr(&row[6], when);
		lk = jread_get(h, "retired_at");
		strbuf_addstr(&row[7], lk && lk->type == JREAD_NUM ? "retired" : "active");
	}
	for (c = 0; c < UP_HOST_COLS; c++) {
		width[c] = 0;
		for (i = 0; i <= n; i++)
			if (up_width(cells[i * UP_HOST_COLS + c].buf) > width[c])
				width[c] = up_width(cells[i * UP_HOST_COLS + c].buf);
	}
	for (i = 0; i <= n; i++) {
		for (c = 0; c < UP_HOST_COLS; c++) {
			up_put_safe(stdout, cells[i * UP_HOST_COLS + c].buf, c + 1 < UP_HOST_COLS ? width[c] : 0);
			if (c + 1 < UP_HOST_COLS)
				fputs("  ", stdout);
		}
		fputc('\n', stdout);
	}
out:
	if (cells) {
		for (i = 0; i < (n + 1) * UP_HOST_COLS; i++)
			strbuf_release(&cells[i]);
		free(cells);
	}
	jread_free(root);
	strbuf_release(&err);
	strbuf_release(&resp);
	return ret;
}

/* POST /api/v1/hosts/{name} with body; the name percent-encoded. */
static int hosts_post(struct http_client *http, const struct up_args *a, const char *name,
		      const struct strbuf *body)
{
	struct strbuf path = STRBUF_INIT, resp = STRBUF_INIT;
	long status;
	int ret;

	strbuf_addstr(&path, "/api/v1/hosts/");
	http_path_escape(&path, name);
	ret = up_once(http, a->server, "POST", path.buf, body->buf, body->len, &status, &resp);
	strbuf_release(&resp);
	strbuf_release(&path);
	return ret;
}

static int hosts_rename(struct http_client *http, const struct up_args *a, char **args)
{
	struct strbuf body = STRBUF_INIT;
	struct jw jw;
	int ret;

	if (!parse_name_ok(args[1], 128))
		return cmd_say(UP_EXIT_USAGE, "new name '%s': expected 1 to 128 bytes without control characters or '/'",
			      args[1]);
	jw_init(&jw, &body);
	jw_obj_begin(&jw, NULL);
	jw_str(&jw, "rename", args[1]);
	jw_obj_end(&jw);
	ret = hosts_post(http, a, args[0], &body);
	if (!ret)
		printf("forkwatch: host '%s' is now '%s' (update name= in that machine's token file, "
		       "or its agent will not find it)\n", args[0], args[1]);
	strbuf_release(&body);
	return ret;
}

static int hosts_retire(struct http_client *http, const struct up_args *a, char **args)
{
	struct strbuf body = STRBUF_INIT;
	int ret;

	strbuf_addstr(&body, "{\"retire\": true}");
	ret = hosts_post(http, a, args[0], &body);
	if (!ret)
		printf("forkwatch: host '%s' retired: its token no longer works\n", args[0]);
	strbuf_release(&body);
	return ret;
}

static const struct {
	const char *name;
	int nargs;
	bool admin;
	const char *usage;
	int (*fn)(struct http_client *http, const struct up_args *a, char **args);
} hosts_actions[] = {
	{ "list", 0, false, "list", hosts_list },
	{ "rename", 2, true, "rename OLD NEW", hosts_rename },
	{ "retire", 1, true, "retire NAME", hosts_retire },
};

/*
 * Split argv into options (with their values) and words, after the opt
 * table, so that names may be anything: after "--" every argument is a
 * word, even one that starts with "--".
 */
static void up_split(const struct opt *opts, int argc, char **argv, char **ov, int *oc, char **wv, int *wc)
{
	bool words = false;
	int i;

	*oc = *wc = 0;
	ov[(*oc)++] = argv[0];
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct opt *o;
		size_t len;

		if (words || strncmp(a, "--", 2) || !a[2]) {
			if (!words && !strcmp(a, "--")) {
				words = true;
				continue;
			}
			if (!words && !strcmp(a, "-h"))
				ov[(*oc)++] = argv[i];
			else
				wv[(*wc)++] = argv[i];
			continue;
		}
		ov[(*oc)++] = argv[i];
		len = strcspn(a + 2, "=");
		o = opt_find(opts, a + 2, len);
		if (o && opt_takes_value(o) && !a[2 + len] && i + 1 < argc)
			ov[(*oc)++] = argv[++i];
	}
	ov[*oc] = NULL;
}

/*
 * Split argv into this command's options (parsed through opts) and its
 * words: *wv (free() it) holds *wc of them.  Returns -1 to go on, or the
 * exit code to return: 0 after --help, UP_EXIT_USAGE for a bad option.
 */
static int up_parse_words(const struct opt *opts, int argc, char **argv, const char *synopsis,
			  const char *about, char ***wv, int *wc)
{
	struct strbuf err = STRBUF_INIT;
	char **ov = calloc((size_t)argc + 1, sizeof(*ov));
	int oc, ret = -1;

	*wv = calloc((size_t)argc + 1, sizeof(**wv));
	*wc = 0;
	if (!ov || !*wv) {
		ret = cmd_say(UP_EXIT_USAGE, "out of memory");
		goto out;
	}
	up_split(opts, argc, argv, ov, &oc, *wv, wc);
	switch (opt_parse(opts, oc, ov, 0, NULL, &err)) {
	case 0:
		break;
	case 1:
		opt_usage(stdout, synopsis, about, opts);
		ret = 0;
		break;
	case -ERANGE:
		ret = cmd_say(UP_EXIT_USAGE, "%s", err.buf);
		break;
	default:
		ret = cmd_say(UP_EXIT_USAGE, "%s: see 'forkwatch %s --help'", err.buf, argv[0]);
		break;
	}
out:
	free(ov);
	strbuf_release(&err);
	return ret;
}

int cmd_hosts(int argc, char **argv)
{
	struct up_args a = { 0 };
	const struct opt opts[] = {
		UP_OPT_SERVER(a),
		{ OPT_STRING("admin-token-file", "FILE", &a.admin_token_file,
			     "the server's admin token (needed by rename and retire)") },
		{ OPT_FLAG("retired", &a.retired, "list: include retired hosts") },
		UP_OPT_CACERT(a),
		UP_OPT_TIMEOUT(a),
		{ OPT_END },
	};
	struct strbuf admin = STRBUF_INIT, unused = STRBUF_INIT;
	struct http_client *http = NULL;
	char **wv = NULL;
	int wc, ret;
	size_t i;

	if (!http_available())
		return up_no_curl("hosts");
	ret = up_parse_words(opts, argc, argv,
			     "forkwatch hosts --server URL [--admin-token-file FILE] list [--retired]\n"
			     "       forkwatch hosts --server URL --admin-token-file FILE rename OLD NEW\n"
			     "       forkwatch hosts --server URL --admin-token-file FILE retire NAME",
			     "List the lab machines forkwatchd knows (GET /api/v1/hosts), rename one, or retire\n"
			     "one (its token stops working; its results stay).  Names may hold spaces and\n"
			     "quotes; put '--' before a name that starts with '--'.\n\n" UP_EXIT_HELP,
			     &wv, &wc);
	if (ret >= 0)
		goto out;
	if (!a.server) {
		ret = cmd_say(UP_EXIT_USAGE, "hosts needs --server: see 'forkwatch hosts --help'");
		goto out;
	}
	for (i = 0; i < sizeof(hosts_actions) / sizeof(hosts_actions[0]); i++)
		if (wc && !strcmp(wv[0], hosts_actions[i].name))
			break;
	if (i == sizeof(hosts_actions) / sizeof(hosts_actions[0])) {
		ret = cmd_say(UP_EXIT_USAGE, "hosts: %s%s%s: expected list, rename OLD NEW or retire NAME",
			     wc ? "unknown action '" : "no action", wc ? wv[0] : "", wc ? "'" : "");
		goto out;
	}
	if (wc - 1 != hosts_actions[i].nargs) {
		ret = cmd_say(UP_EXIT_USAGE, "hosts %s: expected 'hosts %s'", wv[0], hosts_actions[i].usage);
		goto out;
	}
	if (hosts_actions[i].admin && !a.admin_token_file) {
		ret = cmd_say(UP_EXIT_USAGE, "hosts %s needs --admin-token-file", wv[0]);
		goto out;
	}
	if (a.admin_token_file &&
	    (ret = up_read_token("--admin-token-file", a.admin_token_file, &unused, &admin, NULL)))
		goto out;
	if ((ret = up_client(&a, admin.buf, &http)))
		goto out;
	up_catch_signals();
	ret = hosts_actions[i].fn(http, &a, wv + 1);
out:
	http_client_free(http);
	explicit_bzero(admin.buf, admin.len);
	strbuf_release(&admin);
	strbuf_release(&unused);
	free(wv);
	return ret;
}

/* ---- compare ---- */

int cmd_compare(int argc, char **argv)
{
	struct up_args a = { 0 };
	const char *host = NULL;
	const struct opt opts[] = {
		UP_OPT_SERVER(a),
		{ OPT_STRING("host", "NAME", &host, "the lab machine (required)") },
		UP_OPT_CACERT(a),
		UP_OPT_TIMEOUT(a),
		{ OPT_END },
	};
	struct strbuf err = STRBUF_INIT, path = STRBUF_INIT, resp = STRBUF_INIT;
	struct http_client *http = NULL;
	char **wv = NULL;
	int wc, ret;
	long status;

	if (!http_available())
		return up_no_curl("compare");
	ret = up_parse_words(opts, argc, argv, "forkwatch compare --server URL --host NAME [BASE] HEAD",
			     "Compare kernel HEAD with BASE on one lab machine, as forkwatchd's /compare.txt\n"
			     "does: per workload and layout the change of the mean time with its\n"
			     "confidence interval, Welch's p-value and a verdict, then the counters.  Without\n"
			     "BASE the server takes HEAD's parent commit if the machine ran it, else the\n"
			     "host's pinned baseline, else the kernel it ran before (a machine's first\n"
			     "kernel has none yet).  Kernels are named by commit, by 'release:<uname -r>',\n"
			     "or by the bare release when one kernel the machine ran has it.",
			     &wv, &wc);
	if (ret >= 0)
		goto out;
	if (!a.server || !host || wc < 1 || wc > 2) {
		ret = cmd_say(UP_EXIT_USAGE, "compare needs --server, --host and one or two kernels: "
			     "see 'forkwatch compare --help'");
		goto out;
	}
	strbuf_addstr(&path, "/compare.txt?host=");
	http_path_escape(&path, host);
	strbuf_addstr(&path, "&head=");
	http_path_escape(&path, wv[wc - 1]);
	if (wc == 2) {
		strbuf_addstr(&path, "&base=");
		http_path_escape(&path, wv[0]);
	}
	if ((ret = up_client(&a, NULL, &http)))
		goto out;
	ret = up_once(http, a.server, "GET", path.buf, NULL, 0, &status, &resp);
	if (ret)
		goto out;
	fwrite(resp.buf, 1, resp.len, stdout);
	ret = 0;
out:
	http_client_free(http);
	strbuf_release(&resp);
	strbuf_release(&path);
	strbuf_release(&err);
	free(wv);
	return ret;
}

/* ---- run and agent ---- */

/* What run and agent share: the checked settings, the client and the spool. */
struct up_session {
	struct up_args a;
	const char *default_token; /* the token file without --token-file; NULL: host.token */
	struct strbuf name, token;
	struct http_client *http;
	struct spool *sp;
	struct upload_ctx u;
};

static void up_session_release(struct up_session *s)
{
	spool_free(s->sp);
	s->sp = NULL;
	http_client_free(s->http);
	s->http = NULL;
	explicit_bzero(s->token.buf, s->token.len);
	strbuf_release(&s->token);
	strbuf_release(&s->name);
}

/* Check everything that can be checked before benchmarking; an exit code on failure. */
static int up_session_open(struct up_session *s, const char *cmd)
{
	struct strbuf path = STRBUF_INIT, err = STRBUF_INIT;
	int ret;

	if (!s->a.server) {
		ret = cmd_say(UP_EXIT_USAGE, "%s needs --server: see 'forkwatch %s --help'", cmd, cmd);
		goto out;
	}
	if (s->a.token_file)
		strbuf_addstr(&path, s->a.token_file);
	else if (s->default_token)
		strbuf_addstr(&path, s->default_token);
	else
		strbuf_addf(&path, "%s/host.token", cmd_state_dir());
	ret = up_read_token("--token-file", path.buf, &s->name, &s->token,
			    ": register this machine first ('forkwatch register --help')");
	if (ret || (ret = up_client(&s->a, s->token.buf, &s->http)))
		goto out;
	strbuf_reset(&path);
	if (s->a.spool)
		strbuf_addstr(&path, s->a.spool);
	else
		strbuf_addf(&path, "%s/spool", cmd_state_dir());
	ret = spool_open(&s->sp, path.buf, &err);
	if (ret) {
		ret = cmd_say(UP_EXIT_USAGE, "--spool: %s", err.buf);
		goto out;
	}
	upload_ctx_init(&s->u, s->http, s->a.server, s->a.retry_for, &up_stop);
	s->u.log = up_log;
out:
	strbuf_release(&err);
	strbuf_release(&path);
	return ret;
}

/* Deliver the spool and say how it went; the exit code. */
static int up_flush(struct up_session *s)
{
	struct upload_flush_stats st;
	struct strbuf err = STRBUF_INIT;
	int ret = upload_flush(&s->u, s->sp, &st, &err);

	switch (ret) {
	case 0:
		/* stderr: with --json - standard output holds the document alone */
		if (st.delivered)
			fprintf(stderr, "forkwatch: delivered %u result(s) to '%s'\n", st.delivered, s->a.server);
		ret = UP_EXIT_OK;
		if (st.rejected)
			ret = cmd_say(UP_EXIT_REFUSED, "the server refused %u result(s) for good: kept in '%s/rejected' "
				     "with a .reason file each", st.rejected, spool_dir(s->sp));
		break;
	case -ETIMEDOUT:
		ret = cmd_say(UP_EXIT_SPOOLED, "%s; %u result(s) stay spooled in '%s' for the next "
			     "'forkwatch run' or 'forkwatch agent'", err.buf, st.remaining, spool_dir(s->sp));
		break;
	case -EACCES:
		ret = cmd_say(UP_EXIT_SETUP, "%s; %u result(s) stay spooled in '%s'", err.buf, st.remaining,
			     spool_dir(s->sp));
		break;
	case -EINTR:
		ret = cmd_say(UP_EXIT_INTR, "interrupted; %u result(s) stay spooled in '%s'", st.remaining,
			     spool_dir(s->sp));
		break;
	default:
		ret = cmd_say(UP_EXIT_USAGE, "%s; %u result(s) stay spooled in '%s'", err.buf, st.remaining,
			     spool_dir(s->sp));
		break;
	}
	strbuf_release(&err);
	return ret;
}

/* Spool a document before any upload; an exit code. */
static int up_spool_doc(struct up_session *s, const char *doc, size_t len)
{
	struct strbuf err = STRBUF_INIT, name = STRBUF_INIT;
	struct jread_node *root = NULL;
	const char *uuid;
	int ret;

	if (jread_parse(&root, doc, len, &err) || !(uuid = jread_str(jread_get(root, "run_uuid")))) {
		ret = cmd_say(UP_EXIT_USAGE, "the result document has no run_uuid: %s", err.buf);
		goto out;
	}
	ret = spool_put(s->sp, uuid, doc, len, &name, &err);
	if (ret) {
		ret = cmd_say(UP_EXIT_USAGE, "cannot spool the result: %s", err.buf);
		goto out;
	}
	fprintf(stderr, "forkwatch: result spooled as '%s/%s'\n", spool_dir(s->sp), name.buf);
	ret = 0;
out:
	jread_free(root);
	strbuf_release(&name);
	strbuf_release(&err);
	return ret;
}

/* Benchmark (bench_main() with our options), then spool the document before any upload. */
static int up_bench_and_spool(struct up_session *s, int argc, char **argv, const struct opt *extra,
			      const char *synopsis, const char *about)
{
	struct strbuf doc = STRBUF_INIT;
	int ret;

	ret = bench_main(argc, argv, extra, synopsis, about, &doc);
	up_catch_signals(); /* bench_main() left its own handlers */
	if (!ret && doc.len)
		ret = up_spool_doc(s, doc.buf, doc.len);
	strbuf_release(&doc);
	return ret;
}

static const char run_about[] =
	"Benchmark this machine (as 'forkwatch bench'), write the result document to the\n"
	"spool (fsync'ed) before anything is sent, then deliver the whole spool, oldest\n"
	"first, with POST /api/v1/runs.  An entry leaves the spool only when the server\n"
	"took it (2xx).  While the server is down or answers 408, 429 or 5xx, retry with\n"
	"backoff (1 s doubling to 60 s, jittered) for --retry-for seconds (default 600;\n"
	"0: no limit); then exit 3: the results stay spooled for the next run or agent.\n"
	"A result the server refuses for good (another 4xx) moves to <spool>/rejected/\n"
	"with a .reason file; 401, 403, 404 and 405 stop the upload with everything kept.\n\n"
	UP_TOKEN_FILE_HELP "\n\n" UP_EXIT_HELP;

int cmd_run(int argc, char **argv)
{
	struct up_session s = { 0 };
	const struct opt extra[] = {
		UP_OPT_SERVER(s.a),
		UP_OPT_TOKEN(s.a),
		UP_OPT_SPOOL(s.a),
		UP_OPT_RETRY(s.a, "600", "keep retrying this long (0: no limit)"),
		UP_OPT_CACERT(s.a),
		UP_OPT_TIMEOUT(s.a),
		{ OPT_END },
	};
	const char *synopsis = "forkwatch run --server URL [--token-file FILE] [--spool DIR] [--retry-for SECONDS]\n"
			       "          [--cacert FILE] [--timeout SECONDS]\n         ";
	int ret;

	if (!http_available())
		return up_no_curl("run");
	strbuf_init(&s.name, 0);
	strbuf_init(&s.token, 0);
	ret = up_prescan(extra, argc, argv);
	if (ret == 1)
		return bench_main(argc, argv, extra, synopsis, run_about, NULL);
	if (!ret)
		ret = up_session_open(&s, "run");
	if (!ret)
		ret = up_bench_and_spool(&s, argc, argv, extra, synopsis, run_about);
	if (!ret)
		ret = up_flush(&s);
	up_session_release(&s);
	return ret;
}

/*
 * A kernel with complete uploads, on a server that does not record what
 * its comparison wants (before schema 11, or a kernel not uploaded
 * since): has it runs enough to decide?  The server's comparison of it
 * on this host (GET /api/v1/compare): a row of
 * the time per operation whose verdict is still open (inconclusive, or
 * significant with its size uncertain) and whose runs are not enough by
 * their interval's width (precision.enough_runs false: lib/plan.h
 * plan_stop(), never a p-value) wants more runs, and the agent adds
 * them (the server pools the uploads of a kernel on a host).  1: enough
 * (or nothing to tell: no baseline, an error), 0: more runs; why says
 * which row.
 */
static int agent_enough_runs(struct up_session *s, const char *ident, struct strbuf *why)
{
	struct strbuf path = STRBUF_INIT, resp = STRBUF_INIT, err = STRBUF_INIT;
	struct jread_node *root = NULL;
	const struct jread_node *rows, *r;
	long status;
	size_t i;
	int ret = 1;

	strbuf_addstr(&path, "/api/v1/compare?host=");
	http_path_escape(&path, s->name.buf);
	strbuf_addstr(&path, "&head=");
	http_path_escape(&path, ident);
	if (upload_request(&s->u, "comparison", "GET", path.buf, NULL, 0, &status, &resp, &err) ||
	    upload_classify(status) != UPLOAD_DONE || jread_parse(&root, resp.buf, resp.len, &err))
		goto out;
	rows = jread_get(root, "rows");
	for (i = 0; (r = jread_at(rows, i)); i++) {
		const char *metric = jread_str(jread_get(r, "metric"));
		const char *verdict = jread_str(jread_get(r, "verdict"));
		const char *wl = jread_str(jread_get(r, "workload")), *layout = jread_str(jread_get(r, "layout"));
		const struct jread_node *prec = jread_get(r, "precision");
		const struct jread_node *enough = jread_get(prec, "enough_runs");
		double more = 0;

		if (!metric || strcmp(metric, "ns") || !verdict || !enough || enough->type != JREAD_BOOL ||
		    enough->b || (strcmp(verdict, "inconclusive") && strcmp(verdict, "significant-size-uncertain")))
			continue;
		ret = 0;
		strbuf_addf(why, "%s %s %s", wl ? wl : "?", layout ? layout : "?", verdict);
		if (jread_num(jread_get(prec, "more_runs"), &more) && more > 0)
			strbuf_addf(why, ", about %.0f more runs to decide", more);
		break;
	}
out:
	jread_free(root);
	strbuf_release(&err);
	strbuf_release(&resp);
	strbuf_release(&path);
	return ret;
}

/*
 * What the server recorded of this host's kernel k (its entry of GET
 * /api/v1/hosts/{name}): "wants": {"runs": N, "cases": [...]} after each
 * upload, null without a baseline to compare with.  1: it has enough
 * runs to decide (N 0, or nothing to compare with; N 0 with cases: more
 * uploads on this host cannot decide those, and why names them); 0: it
 * wants N more
 * (why: "12 more runs: running (undecided: fork order-0)"); -1: no record
 * (an older server, or a kernel not uploaded since it records): ask the
 * comparison.
 */
static int agent_recorded_wants(const struct jread_node *k, struct strbuf *why)
{
	const struct jread_node *w = jread_get(k, "wants"), *cases, *c;
	double runs;
	size_t i;

	if (!w)
		return -1;
	if (w->type == JREAD_NULL)
		return 1;
	if (!jread_num(jread_get(w, "runs"), &runs))
		return -1;
	cases = jread_get(w, "cases");
	if (runs <= 0) {
		/* cases with 0 runs: ones more uploads on this host cannot decide (the server's session level) */
		for (i = 0; (c = jread_at(cases, i)); i++)
			if (jread_str(c))
				strbuf_addf(why, "%s%s", i ? ", " : "", jread_str(c));
		return 1;
	}
	strbuf_addf(why, "%.0f more run%s: running", runs, runs == 1 ? "" : "s");
	for (i = 0; (c = jread_at(cases, i)); i++)
		if (jread_str(c))
			strbuf_addf(why, "%s%s", i ? ", " : " (undecided: ", jread_str(c));
	if (i)
		strbuf_addch(why, ')');
	return 0;
}

/*
 * Has the server a complete upload of this kernel from this host, with
 * runs enough to decide (what the server recorded: agent_recorded_wants(),
 * else agent_enough_runs())?  1 yes, 0 no (or cannot tell: then
 * benchmark, more data is the safe side), or an exit code (> 1) when the
 * server stayed unreachable.
 */
static int agent_already_done(struct up_session *s, const char *ident)
{
	struct strbuf path = STRBUF_INIT, resp = STRBUF_INIT, err = STRBUF_INIT, what = STRBUF_INIT;
	struct jread_node *root = NULL;
	const struct jread_node *kernels, *k;
	long status;
	size_t i;
	double n;
	int ret;

	strbuf_addstr(&path, "/api/v1/hosts/");
	http_path_escape(&path, s->name.buf);
	strbuf_addf(&what, "look-up of host '%s' on '%s'", s->name.buf, s->a.server);
	ret = upload_request(&s->u, what.buf, "GET", path.buf, NULL, 0, &status, &resp, &err);
	if (ret) {
		ret = cmd_say(ret == -EINTR ? UP_EXIT_INTR : ret == -ETIMEDOUT ? UP_EXIT_SPOOLED : UP_EXIT_USAGE,
			     "%s", err.buf);
		goto out;
	}
	if (status == 404) {
		fprintf(stderr, "forkwatch: host '%s' is not on the server (renamed or retired?): benchmarking "
			"anyway; put its name in the token file's name= line or pass --name\n", s->name.buf);
		goto out;
	}
	if (upload_classify(status) != UPLOAD_DONE || jread_parse(&root, resp.buf, resp.len, &err)) {
		strbuf_reset(&err);
		upload_error_message(resp.buf, resp.len, &err);
		fprintf(stderr, "forkwatch: %s: answer %ld (%s): benchmarking anyway\n", what.buf, status, err.buf);
		goto out;
	}
	kernels = jread_get(root, "kernels");
	for (i = 0; (k = jread_at(kernels, i)); i++) {
		const char *id = jread_str(jread_get(k, "ident"));

		if (id && !strcmp(id, ident) && jread_num(jread_get(k, "complete_uploads"), &n) && n > 0) {
			struct strbuf why = STRBUF_INIT;
			int rec = agent_recorded_wants(k, &why);

			if (rec < 0 && agent_enough_runs(s, ident, &why)) {
				printf("forkwatch: kernel '%s' already has %.0f complete upload(s) from host '%s': "
				       "not benchmarking it again\n", ident, n, s->name.buf);
				ret = 1;
			} else if (rec < 0) {
				printf("forkwatch: kernel '%s' has %.0f complete upload(s) from host '%s', not "
				       "enough runs to decide (%s): adding runs\n", ident, n, s->name.buf, why.buf);
			} else if (rec && why.len) {
				printf("forkwatch: kernel '%s' already has %.0f complete upload(s) from host '%s', "
				       "and more uploads on this host cannot decide %s (the server's session level): "
				       "not benchmarking it again\n", ident, n, s->name.buf, why.buf);
				ret = 1;
			} else if (rec) {
				printf("forkwatch: kernel '%s' already has %.0f complete upload(s) from host '%s' "
				       "and %s: not benchmarking it again\n", ident, n, s->name.buf,
				       jread_get(k, "wants")->type == JREAD_NULL ? "nothing to compare it with yet" :
				       "enough runs to decide");
				ret = 1;
			} else {
				printf("forkwatch: kernel '%s' on this host wants %s\n", ident, why.buf);
			}
			strbuf_release(&why);
			break;
		}
	}
out:
	jread_free(root);
	strbuf_release(&what);
	strbuf_release(&err);
	strbuf_release(&resp);
	strbuf_release(&path);
	return ret;
}

static const char agent_about[] =
	"The lab machine's loop, once per boot (contrib/systemd/forkwatch-agent.service):\n"
	"deliver what the spool holds; ask the server (GET /api/v1/hosts/{name}) whether\n"
	"the running kernel already has a complete upload from this host, and if so\n"
	"whether it has runs enough to decide: the server records after each upload\n"
	"that an inconclusive or size-uncertain time whose interval is still too wide\n"
	"\"wants N more runs\" (a server that does not: its comparison, GET\n"
	"/api/v1/compare), and when more uploads on this host cannot decide a case; with\n"
	"enough, or nothing more to gain, stop; else benchmark, spool and deliver as\n"
	"'forkwatch run' does (the server pools the uploads of a kernel).  The kernel is the\n"
	"commit of --kernel-commit, else the -g<hex> suffix of 'uname -r', else\n"
	"'release:<uname -r>' (the server's kernel ident).  While the server is down, retry\n"
	"with backoff (capped at 60 s), one line on stderr per failure, for --retry-for\n"
	"seconds (default 0: until the spool is empty).  The host's name comes from --name,\n"
	"else the token file's name= line, else the hostname.\n\n"
	UP_TOKEN_FILE_HELP "\n\n" UP_EXIT_HELP;

/*
 * Before benchmarking: deliver the spool, then ask whether the server has
 * this kernel already.  Done in a child process: libcurl, once loaded,
 * stays mapped, and the benchmark processes forked afterwards would carry
 * its mappings into every measured fork().  Returns what
 * agent_already_done() does (1: nothing to do, 0: benchmark) or an exit code.
 */
static int agent_prepare(struct up_session *s, const char *ident)
{
	int status, ret;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return cmd_say(UP_EXIT_USAGE, "fork: %s", strerror(errno));
	if (pid == 0) {
		ret = up_flush(s);
		if (!ret)
			ret = agent_already_done(s, ident);
		fflush(NULL);
		_exit(ret == 1 ? 200 : ret);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return cmd_say(UP_EXIT_USAGE, "waitpid: %s", strerror(errno));
		if (up_stop)
			kill(pid, SIGTERM); /* pass the stop on; the child ends its wait at once */
	}
	if (WIFSIGNALED(status) || up_stop)
		return UP_EXIT_INTR;
	ret = WEXITSTATUS(status);
	return ret == 200 ? 1 : ret;
}

int cmd_agent(int argc, char **argv)
{
	struct up_session s = { 0 };
	const char *name = NULL;
	const struct opt extra[] = {
		UP_OPT_SERVER(s.a),
		UP_OPT_TOKEN(s.a),
		UP_OPT_SPOOL(s.a),
		UP_OPT_RETRY(s.a, "0", "give up after this long (0: no limit)"),
		{ OPT_STRING("name", "NAME", &name, "the host's name on the server (default: from the token file)") },
		UP_OPT_CACERT(s.a),
		UP_OPT_TIMEOUT(s.a),
		{ OPT_END },
	};
	/* --kernel-commit is bench's option: read here, parsed and used by bench_main() too */
	struct opt scan[sizeof(extra) / sizeof(extra[0]) + 1];
	const char *synopsis = "forkwatch agent --server URL [--token-file FILE] [--spool DIR] [--retry-for SECONDS]\n"
			       "          [--name NAME] [--cacert FILE] [--timeout SECONDS]\n         ";
	struct strbuf ident = STRBUF_INIT;
	struct utsname uts;
	char host[256];
	int ret;

	if (!http_available())
		return up_no_curl("agent");
	strbuf_init(&s.name, 0);
	strbuf_init(&s.token, 0);
	memcpy(scan, extra, sizeof(extra));
	scan[sizeof(extra) / sizeof(extra[0]) - 1] =
		(struct opt){ OPT_STRING("kernel-commit", "SHA", &s.a.kernel_commit, ""), .valid = ident_valid_sha,
			      .expect = "expected 7 to 40 lower-case hex digits" };
	memset(&scan[sizeof(extra) / sizeof(extra[0])], 0, sizeof(scan[0]));
	ret = up_prescan(scan, argc, argv);
	if (ret == 1)
		return bench_main(argc, argv, extra, synopsis, agent_about, NULL);
	if (!ret)
		ret = up_session_open(&s, "agent");
	if (ret)
		goto out;
	if (name) {
		strbuf_reset(&s.name);
		strbuf_addstr(&s.name, name);
	}
	if (!s.name.len) {
		if (gethostname(host, sizeof(host)))
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		strbuf_addstr(&s.name, host);
	}
	up_catch_signals();
	uname(&uts);
	upload_kernel_ident(s.a.kernel_commit, uts.release, &ident);
	ret = agent_prepare(&s, ident.buf);
	if (ret == 1)
		ret = 0;
	else if (!ret && !(ret = up_bench_and_spool(&s, argc, argv, extra, synopsis, agent_about)))
		ret = up_flush(&s);
out:
	strbuf_release(&ident);
	up_session_release(&s);
	return ret;
}

/* ---- run's spool and upload, for documents made elsewhere (forkwatch vm and ab) ---- */

struct cmd_upload {
	struct up_session s;
};

struct cmd_upload *cmd_upload_new(void)
{
	struct cmd_upload *u = calloc(1, sizeof(*u));

	if (!u)
		abort();
	strbuf_init(&u->s.name, 0);
	strbuf_init(&u->s.token, 0);
	return u;
}

void cmd_upload_free(struct cmd_upload *u)
{
	if (!u)
		return;
	up_session_release(&u->s);
	free(u);
}

size_t cmd_upload_opts(struct cmd_upload *u, struct opt *opts)
{
	const struct opt o[] = {
		UP_OPT_SERVER(u->s.a),
		UP_OPT_TOKEN(u->s.a),
		UP_OPT_SPOOL(u->s.a),
		UP_OPT_RETRY(u->s.a, "600", "keep retrying uploads this long (0: no limit)"),
		UP_OPT_CACERT(u->s.a),
		UP_OPT_TIMEOUT(u->s.a),
	};

	memcpy(opts, o, sizeof(o));
	opts[0].help = "forkwatchd's URL: spool and upload the results as 'forkwatch run' does";
	opts[1].help = "host token file of the guest's host name";
	return sizeof(o) / sizeof(o[0]);
}

bool cmd_upload_wanted(const struct cmd_upload *u)
{
	return u->s.a.server != NULL;
}

int cmd_upload_open(struct cmd_upload *u, const char *cmd, const char *default_token_file)
{
	if (!http_available())
		return up_no_curl(cmd);
	u->s.default_token = default_token_file;
	return up_session_open(&u->s, cmd);
}

int cmd_upload_spool(struct cmd_upload *u, const char *doc, size_t len)
{
	return up_spool_doc(&u->s, doc, len);
}

int cmd_upload_flush(struct cmd_upload *u)
{
	up_catch_signals();
	return up_flush(&u->s);
}

int cmd_upload_post(struct cmd_upload *u, const char *what, const char *path, const char *doc, size_t len)
{
	struct strbuf resp = STRBUF_INIT, err = STRBUF_INIT, msg = STRBUF_INIT;
	long status = 0;
	int ret;

	up_catch_signals();
	ret = upload_request(&u->s.u, what, "POST", path, doc, len, &status, &resp, &err);
	if (ret == -EINTR) {
		ret = cmd_say(UP_EXIT_INTR, "interrupted: the %s was not uploaded", what);
		goto out;
	}
	if (ret) {
		ret = cmd_say(UP_EXIT_SPOOLED, "%s: the %s was not uploaded", err.buf, what);
		goto out;
	}
	switch (upload_classify(status)) {
	case UPLOAD_DONE:
		fprintf(stderr, "forkwatch: uploaded the %s to '%s' as host '%s'\n", what, u->s.a.server,
			u->s.name.len ? u->s.name.buf : "?");
		ret = UP_EXIT_OK;
		break;
	case UPLOAD_REJECT:
		upload_error_message(resp.buf, resp.len, &msg);
		ret = cmd_say(UP_EXIT_REFUSED, "the server refused the %s (HTTP %ld): %s", what, status, msg.buf);
		break;
	default:
		upload_error_message(resp.buf, resp.len, &msg);
		ret = cmd_say(UP_EXIT_SETUP, "the server answered HTTP %ld to the %s: %s; check --server and the "
			      "token", status, what, msg.buf);
		break;
	}
out:
	strbuf_release(&resp);
	strbuf_release(&err);
	strbuf_release(&msg);
	return ret;
}
