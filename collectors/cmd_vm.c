// SPDX-License-Identifier: GPL-2.0
/*
 * forkwatch vm and ab: a built kernel benchmarked under qemu (vm.c), and
 * interleaved boots of a base and a head kernel compared (ab.c); and
 * console-send, which the guest uses to send files back (lib/frame.h).
 * Bench options are not parsed here: they go to the guest's 'forkwatch
 * bench' as they are, which checks them.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "collectors/ab.h"
#include "collectors/cmd.h"
#include "collectors/ident.h"
#include "collectors/vm.h"
#include "lib/fileio.h"
#include "lib/frame.h"
#include "lib/jread.h"
#include "lib/nest.h"
#include "lib/opt.h"
#include "lib/parse.h"

static volatile sig_atomic_t vm_stop;

static void vm_on_signal(int sig)
{
	vm_stop = sig;
}

static void vm_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vm_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* The options of vm and ab; each command's table points into it. */
struct vm_args {
	const char *kernel_deb, *kernel, *modules, *arch, *accel, *cpus, *memory, *boot_timeout;
	const char *guest_timeout, *append, *guest_name, *guest_forkwatch, *busybox, *console_log;
	const char *json, *quiet, *wait;
	const char *base, *head, *base_modules, *head_modules, *base_commit, *head_commit, *boots;
	const char *json_dir, *runs, *time_budget;
};

#define VM_OPTS(a)                                                                                          \
	{ OPT_STRING("arch", "ARCH", &(a).arch, "x86_64 or aarch64: the guest's (default: the image's)") },               \
	{ OPT_STRING("accel", "auto|kvm|tcg", &(a).accel, "auto (default): KVM where /dev/kvm works, else TCG (emulation)") }, \
	{ OPT_STRING("cpus", "N", &(a).cpus, "vCPUs (default 2)") },                                                      \
	{ OPT_STRING("memory", "SIZE", &(a).memory, "guest memory (default: --size plus 512M, at least 1G)") },         \
	{ OPT_STRING("boot-timeout", "S", &(a).boot_timeout,                                                  \
		     "give up on a kernel whose guest has not started within S s (default 120)") },                                                                                 \
	{ OPT_STRING("guest-timeout", "S", &(a).guest_timeout, "give up on a boot after S s in all (default: no limit)") }, \
	{ OPT_STRING("append", "ARGS", &(a).append, "more kernel command line") },                                      \
	{ OPT_STRING("guest-name", "NAME", &(a).guest_name, "the guest's hostname (default <hostname>-vm-<arch>-<accel>, x86-64 for x86_64)") }, \
	{ OPT_STRING("guest-forkwatch", "FILE", &(a).guest_forkwatch, "the guest's static forkwatch (default: found, see below)") }, \
	{ OPT_STRING("busybox", "FILE", &(a).busybox, "the guest's static busybox (default: found, see below)") },        \
	{ OPT_STRING("quiet", NULL, &(a).quiet, "no progress lines") },                                                   \
	{ OPT_STRING("wait", NULL, &(a).wait, "accepted for bench's sake; a guest never waits") }

static const char vm_about_common[] =
	"The guest is Debian's busybox-static and the static forkwatch of its arch (found\n"
	"in $FORKWATCH_GUEST_DIR/<arch>/, then in the build tree ('make STATIC=1' for\n"
	"x86_64, 'make ARCH=aarch64', busybox from 'scripts/deps.sh test'), then in\n"
	"/usr/lib/forkwatch/guest/<arch>/), with no network.  The result comes back over\n"
	"the serial console, framed with lengths and checksums (no module needed), or\n"
	"over a virtio 9p share when the kernel has 9p (built in, or its modules given).\n"
	"Under TCG only ratios and counts are meaningful, never absolute times.\n\n"
	"Bench options (--size, --layouts, --workloads, --iterations, --events, ...) go to\n"
	"the guest's 'forkwatch bench' as they are: see 'forkwatch bench --help'.\n\n"
	"A kernel that panics, hangs, lacks THP or pagemap, or is no kernel image gets one\n"
	"line saying so and exit 2, nothing written or spooled, its console log kept in a\n"
	"file the line names.  Results upload as 'forkwatch run' does with --server, to\n"
	"the guest's host name: register it ('forkwatch register --name N --hostname N\n"
	"--token-file F'); the token file defaults to\n"
	"$FORKWATCH_STATE_DIR/vm-<arch>-<accel>.token.  VM results are a host of their\n"
	"own, so that a comparison never mixes them with the machine's bare-metal ones.";

/*
 * Split argv into our options (set through opts) and the rest, which goes
 * to the guest's bench: an option we do not know takes the next argument
 * as its value unless that starts with "--" (true of every bench option
 * but the flags, which we know).  Returns 1 for --help, 0, or -EINVAL with
 * err set.
 */
static int split_args(const struct opt *opts, int argc, char **argv, const char **fwd, int *nfwd,
		      struct strbuf *err)
{
	int i;

	*nfwd = 0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *eq;
		const struct opt *o;
		size_t len;

		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return 1;
		if (strncmp(a, "--", 2) || !a[2]) {
			strbuf_addf(err, "unexpected argument '%s'", a);
			return -EINVAL;
		}
		eq = strchr(a + 2, '=');
		len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		o = opt_find(opts, a + 2, len);
		if (o && !o->metavar) {
			if (eq) {
				strbuf_addf(err, "option '--%s' takes no value", o->name);
				return -EINVAL;
			}
			*o->dest.str = "1";
		} else if (o && eq) {
			*o->dest.str = eq + 1;
		} else if (o && i + 1 < argc) {
			*o->dest.str = argv[++i];
		} else if (o) {
			strbuf_addf(err, "option '--%s' needs a value (%s)", o->name, o->metavar);
			return -EINVAL;
		} else {
			fwd[(*nfwd)++] = argv[i];
			if (!eq && i + 1 < argc && strncmp(argv[i + 1], "--", 2))
				fwd[(*nfwd)++] = argv[++i];
		}
	}
	for (i = 0; i < *nfwd; i++)
		if (!*fwd[i] || strchr(fwd[i], '\n')) {
			strbuf_addf(err, "bench option '%s': empty, or holds a newline", fwd[i]);
			return -EINVAL;
		}
	return 0;
}

/* The value of bench option name among the forwarded ones, or NULL. */
static const char *fwd_value(const char **fwd, int nfwd, const char *name)
{
	size_t len = strlen(name);
	const char *v = NULL;
	int i;

	for (i = 0; i < nfwd; i++)
		if (!strncmp(fwd[i], "--", 2) && !strncmp(fwd[i] + 2, name, len)) {
			if (fwd[i][2 + len] == '=')
				v = fwd[i] + 3 + len;
			else if (!fwd[i][2 + len] && i + 1 < nfwd && strncmp(fwd[i + 1], "--", 2))
				v = fwd[i + 1];
		}
	return v;
}

static int parse_unsigned(const char *opt, const char *s, unsigned min, unsigned max, unsigned *out)
{
	uint64_t v;

	if (parse_uint(s, min, max, &v))
		return cmd_say(2, "%s '%s': expected a whole number from %u to %u", opt, s, min, max);
	*out = (unsigned)v;
	return 0;
}

/* What vm and ab set up alike: the machine, the guest, the uploads. */
struct vm_session {
	struct vm_machine m;
	struct vm_guest g;
	struct cmd_upload *up;
	char workdir[256];
	bool guest_loaded;
};

static int session_workdir(struct vm_session *s)
{
	const char *t = getenv("TMPDIR");

	snprintf(s->workdir, sizeof(s->workdir), "%s/forkwatch-vm.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(s->workdir)) {
		s->workdir[0] = '\0';
		return cmd_say(2, "cannot create a scratch directory in '%s': %s", t && *t ? t : "/tmp",
			       strerror(errno));
	}
	return 0;
}

static void session_release(struct vm_session *s)
{
	if (s->guest_loaded)
		vm_guest_release(&s->g);
	cmd_upload_free(s->up);
	s->up = NULL;
	if (s->workdir[0])
		vm_rm_rf(s->workdir);
	s->workdir[0] = '\0';
}

/*
 * Check the arch, set up the machine (accelerator, qemu, sizes, names),
 * load the guest, open the uploads.  An exit code.
 */
static int session_setup(struct vm_session *s, const struct vm_args *a, const char *cmd, const char *arch,
			 const char **fwd, int nfwd)
{
	struct strbuf err = STRBUF_INIT, token = STRBUF_INIT;
	const char *size_s = fwd_value(fwd, nfwd, "size");
	uint64_t size = 1ULL << 30, mem;
	unsigned u = 0;
	int ret;

	if (a->arch && strcmp(a->arch, arch)) {
		ret = cmd_say(2, "--arch '%s': the kernel is %s", a->arch, arch);
		goto out;
	}
	ret = vm_machine_setup(&s->m, arch, a->accel ? a->accel : "auto", &err);
	if (ret) {
		ret = cmd_say(2, "%s: %s", cmd, err.buf);
		goto out;
	}
	s->m.workdir = s->workdir;
	s->m.cpus = 2;
	if (a->cpus && (ret = parse_unsigned("--cpus", a->cpus, 1, 512, &s->m.cpus)))
		goto out;
	if (size_s && (parse_size(size_s, &size) || !size)) {
		ret = cmd_say(2, "--size '%s': expected a size like 512M or 1G", size_s);
		goto out;
	}
	/* below 512 MiB of RAM the kernel turns THP off at boot (hugepage_init()) */
	mem = size + (512ULL << 20);
	if (mem < (1ULL << 30))
		mem = 1ULL << 30;
	if (a->memory && (parse_size(a->memory, &mem) || mem < (128ULL << 20))) {
		ret = cmd_say(2, "--memory '%s': expected a size like 1G, at least 128M", a->memory);
		goto out;
	}
	s->m.mem_bytes = (mem + (1ULL << 20) - 1) & ~((1ULL << 20) - 1);
	s->m.boot_timeout = 120;
	if (a->boot_timeout && (ret = parse_unsigned("--boot-timeout", a->boot_timeout, 1, 86400, &u)))
		goto out;
	if (a->boot_timeout)
		s->m.boot_timeout = u;
	if (a->guest_timeout && (ret = parse_unsigned("--guest-timeout", a->guest_timeout, 0, 1000000,
						      &s->m.guest_timeout)))
		goto out;
	s->m.append = a->append;
	if (a->guest_name)
		snprintf(s->m.hostname, sizeof(s->m.hostname), "%s", a->guest_name);
	else
		snprintf(s->m.hostname, sizeof(s->m.hostname), "%.30s-vm-%s-%s", s->m.host.hostname,
			 strcmp(arch, "x86_64") ? arch : "x86-64", s->m.accel);
	if (!*s->m.hostname || strspn(s->m.hostname, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
				       strlen(s->m.hostname) ||
	    (a->guest_name && strlen(a->guest_name) >= sizeof(s->m.hostname))) {
		ret = cmd_say(2, "--guest-name '%s': expected up to 63 letters, digits, dots and dashes", s->m.hostname);
		goto out;
	}
	if (cmd_upload_wanted(s->up)) {
		strbuf_addf(&token, "%s/vm-%s-%s.token", cmd_state_dir(), arch, s->m.accel);
		ret = cmd_upload_open(s->up, cmd, token.buf);
		if (ret)
			goto out;
	}
	ret = vm_guest_load(&s->g, arch, a->guest_forkwatch, a->busybox, &err);
	if (ret) {
		ret = cmd_say(2, "%s: %s", cmd, err.buf);
		goto out;
	}
	s->guest_loaded = true;
	ret = 0;
out:
	strbuf_release(&token);
	strbuf_release(&err);
	return ret;
}

/* Write the document to path ("-": standard output) whole or not at all. */
static int write_doc(const char *opt, const char *path, const struct strbuf *doc)
{
	struct strbuf tmp = STRBUF_INIT, err = STRBUF_INIT;
	int fd, ret = 0;

	if (!strcmp(path, "-")) {
		if (fwrite(doc->buf, 1, doc->len, stdout) != doc->len || fflush(stdout))
			return cmd_say(2, "writing the result to standard output: %s", strerror(errno));
		return 0;
	}
	strbuf_addf(&tmp, "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		ret = cmd_say(2, "%s '%s': cannot create '%s': %s", opt, path, tmp.buf, strerror(errno));
	else if (fileio_commit(fd, tmp.buf, path, doc->buf, doc->len, &err))
		ret = cmd_say(2, "%s '%s': %s", opt, path, err.buf);
	strbuf_release(&tmp);
	strbuf_release(&err);
	return ret;
}

static bool is_deb(const char *path)
{
	char magic[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool yes;

	if (fd < 0)
		return false;
	yes = read(fd, magic, 8) == 8 && !memcmp(magic, "!<arch>\n", 8);
	close(fd);
	return yes;
}

/* Prepare a kernel (a package or an image) under the scratch space; an exit code. */
static int prepare_kernel(struct vm_kernel *k, const char *cmd, const char *deb, const char *image,
			  const char *modules, const char *workdir, const char *sub, bool quiet)
{
	struct strbuf err = STRBUF_INIT, dir = STRBUF_INIT;
	int ret;

	strbuf_addf(&dir, "%s/%s", workdir, sub);
	if (!quiet && deb)
		fprintf(stderr, "forkwatch: %s: unpacking '%s'\n", cmd, deb);
	ret = vm_kernel_prepare(k, deb, image, modules, dir.buf, &err);
	if (ret)
		ret = cmd_say(2, "%s: %s", cmd, err.buf);
	strbuf_release(&dir);
	strbuf_release(&err);
	return ret;
}

static void say_boot(const struct vm_session *s, const struct vm_kernel *k, const char *what)
{
	char mem[16];

	parse_format_size(s->m.mem_bytes, mem, sizeof(mem));
	fprintf(stderr, "forkwatch: %s %s (%s, %s) under %s %s, %u vCPUs, %s; result over %s\n", what,
		k->img.release[0] ? k->img.release : k->img.path, k->img.format, s->m.arch, s->m.qemu,
		s->m.accel, s->m.cpus, mem, k->p9 ? "9p" : "the console");
	if (!k->p9 && k->no9p[0])
		fprintf(stderr, "forkwatch: no 9p: %s\n", k->no9p);
}

static void say_done(const struct vm_result *r)
{
	fprintf(stderr, "forkwatch: booted in %.1f s, bench %.1f s, %.1f s in all (boot %.0f%%), result over %s\n",
		r->boot_s, r->bench_s, r->wall_s, 100 * r->boot_s / r->wall_s, r->channel);
}

static const char tcg_note[] =
	"forkwatch: under TCG (emulation) only ratios and counts are meaningful, never absolute times\n";

int cmd_vm(int argc, char **argv)
{
	struct vm_args a = { 0 };
	struct vm_session s = { 0 };
	struct opt opts[32];
	const struct opt mine[] = {
		{ OPT_STRING("kernel-deb", "FILE.deb", &a.kernel_deb, "a Debian kernel package (image and modules)") },
		{ OPT_STRING("kernel", "IMAGE", &a.kernel, "a kernel image: bzImage, arm64 Image or Image.gz") },
		{ OPT_STRING("modules", "DIR", &a.modules, "with --kernel: INSTALL_MOD_PATH of 'make modules_install'") },
		VM_OPTS(a),
		{ OPT_STRING("console-log", "FILE", &a.console_log, "keep the guest's console log here") },
		{ OPT_STRING("json", "FILE|-", &a.json, "write the result document to FILE or standard output") },
	};
	struct strbuf err = STRBUF_INIT;
	struct vm_kernel k = { 0 };
	struct vm_result res;
	struct vm_boot b = { 0 };
	const char **fwd = calloc((size_t)argc + 1, sizeof(*fwd));
	size_t n = 0, i;
	int nfwd = 0, ret;
	bool kernel_ready = false;

	vm_result_init(&res);
	s.up = cmd_upload_new();
	for (i = 0; i < sizeof(mine) / sizeof(mine[0]); i++)
		opts[n++] = mine[i];
	n += cmd_upload_opts(s.up, &opts[n]);
	memset(&opts[n], 0, sizeof(opts[n]));
	if (!fwd)
		abort();
	ret = split_args(opts, argc, argv, fwd, &nfwd, &err);
	if (ret == 1) {
		opt_usage(stdout, "forkwatch vm (--kernel-deb FILE.deb | --kernel IMAGE [--modules DIR])\n"
				  "          [--arch x86_64|aarch64] [--accel auto|kvm|tcg] [--cpus N] [--memory SIZE]\n"
				  "          [--boot-timeout S] [--json FILE|-] [--server URL ...] [bench options]",
			  "Boot a built kernel under qemu and run 'forkwatch bench' inside it: the result\n"
			  "document is the kernel's, with host.vm saying how it ran (accelerator, qemu,\n"
			  "vCPUs, memory, the host).", opts);
		printf("\n%s\n", vm_about_common);
		ret = 0;
		goto out;
	}
	if (ret) {
		ret = cmd_say(2, "%s: see 'forkwatch vm --help'", err.buf);
		goto out;
	}
	if (!a.kernel_deb == !a.kernel) {
		ret = cmd_say(2, "vm needs one of --kernel-deb FILE.deb or --kernel IMAGE: see 'forkwatch vm --help'");
		goto out;
	}
	if (a.modules && !a.kernel) {
		ret = cmd_say(2, "--modules goes with --kernel IMAGE; a package holds its modules");
		goto out;
	}
	if ((ret = session_workdir(&s)))
		goto out;
	ret = prepare_kernel(&k, "vm", a.kernel_deb, a.kernel, a.modules, s.workdir, "kernel", a.quiet != NULL);
	if (ret)
		goto out;
	kernel_ready = true;
	ret = session_setup(&s, &a, "vm", k.img.arch, fwd, nfwd);
	if (ret)
		goto out;
	vm_catch_signals();
	b.bench_argv = fwd;
	b.bench_argc = nfwd;
	b.boots = 1;
	b.console_log = a.console_log;
	b.stop = &vm_stop;
	if (!a.quiet)
		say_boot(&s, &k, "booting");
	ret = vm_run(&s.m, &k, &s.g, &b, &res, &err);
	if (ret) {
		ret = cmd_say(ret == -EINTR ? 130 : 2, "vm: %s", err.buf);
		goto out;
	}
	fputs(res.table.buf, a.json && !strcmp(a.json, "-") ? stderr : stdout);
	fflush(stdout);
	if (!a.quiet) {
		say_done(&res);
		if (!strcmp(s.m.accel, "tcg"))
			fputs(tcg_note, stderr);
	}
	if (a.json && (ret = write_doc("--json", a.json, &res.doc)))
		goto out;
	if (cmd_upload_wanted(s.up)) {
		ret = cmd_upload_spool(s.up, res.doc.buf, res.doc.len);
		if (!ret)
			ret = cmd_upload_flush(s.up);
	}
out:
	if (kernel_ready)
		vm_kernel_release(&k);
	vm_result_release(&res);
	session_release(&s);
	strbuf_release(&err);
	free((void *)fwd);
	return ret;
}

/* ---- ab ---- */

/* The commit a document's kernel has ("" when none). */
static void doc_commit(const struct strbuf *doc, char *out, size_t len)
{
	struct jread_node *root = NULL;
	struct strbuf err = STRBUF_INIT;
	const char *c = NULL;

	out[0] = '\0';
	if (!jread_parse(&root, doc->buf, doc->len, &err))
		c = jread_str(jread_get(jread_get(root, "kernel"), "commit"));
	if (c)
		snprintf(out, len, "%s", c);
	jread_free(root);
	strbuf_release(&err);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cmd_ab(int argc, char **argv)
{
	struct vm_args a = { 0 };
	struct vm_session s = { 0 };
	struct opt opts[40];
	const struct opt mine[] = {
		{ OPT_STRING("base", "FILE", &a.base, "the base kernel: a Debian package or an image") },
		{ OPT_STRING("head", "FILE", &a.head, "the head kernel, compared against the base") },
		{ OPT_STRING("boots", "N", &a.boots, "boots of each kernel, interleaved base, head, base, ... (required)") },
		{ OPT_STRING("base-modules", "DIR", &a.base_modules, "modules of a base image (INSTALL_MOD_PATH)") },
		{ OPT_STRING("head-modules", "DIR", &a.head_modules, "modules of a head image") },
		{ OPT_STRING("base-commit", "SHA", &a.base_commit, "the base's commit (default: from its release's -g<sha>)") },
		{ OPT_STRING("head-commit", "SHA", &a.head_commit, "the head's commit (default: from its release's -g<sha>)") },
		{ OPT_STRING("runs", "N", &a.runs, "runs of each kernel, shared out among its boots (default 8)") },
		{ OPT_STRING("json-dir", "DIR", &a.json_dir, "write every boot's document to DIR/<boot>-<base|head>.json") },
		{ OPT_STRING("time-budget", "S", &a.time_budget, "past --boots, more pairs until every case is precise or S s would pass") },
		VM_OPTS(a),
	};
	const char *roles[2] = { "base", "head" };
	const char *files[2], *mods[2], *commits[2];
	struct vm_kernel k[2];
	struct strbuf err = STRBUF_INIT, report = STRBUF_INIT, path = STRBUF_INIT;
	struct strbuf *docs = NULL;
	struct ab *cmp = ab_new();
	const char **fwd = calloc((size_t)argc + 1, sizeof(*fwd));
	const char **bargv = calloc((size_t)argc + 8, sizeof(*bargv));
	char base_commit[64] = "", runs_s[2][16];
	unsigned boots = 0, runs = 8, pair, ndocs = 0, budget = 0;
	const unsigned max_pairs = NEST_MAX_BOOTS / 2;
	double t0 = 0;
	size_t n = 0, i;
	int nfwd = 0, ret, kready = 0, side;

	s.up = cmd_upload_new();
	for (i = 0; i < sizeof(mine) / sizeof(mine[0]); i++)
		opts[n++] = mine[i];
	n += cmd_upload_opts(s.up, &opts[n]);
	memset(&opts[n], 0, sizeof(opts[n]));
	if (!fwd || !bargv)
		abort();
	ret = split_args(opts, argc, argv, fwd, &nfwd, &err);
	if (ret == 1) {
		opt_usage(stdout, "forkwatch ab --base FILE --head FILE --boots N [--runs N] [--json-dir DIR]\n"
				  "          [--time-budget S] [vm options] [--server URL ...] [bench options]",
			  "Boot a base and a head kernel in turn, N times each (base, head, base, head,\n"
			  "...), each boot running its share of --runs, so that drift and boot-to-boot\n"
			  "effects hit both alike; then print the review thread's table with a verdict per\n"
			  "case for head against base.  A boot has effects of its own that all its runs\n"
			  "share, so each boot's mean is one value of the comparison: a verdict needs 3\n"
			  "boots a side, and the table says how much of the spread is boot to boot.\n"
			  "Every document records its boot (host.vm.boot, .role, .session); the head's\n"
			  "parent commit is the base's.  With --time-budget S, ab boots more pairs past\n"
			  "--boots until every case's interval is within +-half its budget (order-0 1%,\n"
			  "others 2%), or until the next pair would end past S s.  With --server every\n"
			  "document is uploaded after the last boot; a boot that fails stops ab with\n"
			  "nothing spooled.", opts);
		printf("\n%s\n", vm_about_common);
		ret = 0;
		goto out;
	}
	if (ret) {
		ret = cmd_say(2, "%s: see 'forkwatch ab --help'", err.buf);
		goto out;
	}
	if (!a.base || !a.head || !a.boots) {
		ret = cmd_say(2, "ab needs --base FILE, --head FILE and --boots N: see 'forkwatch ab --help'");
		goto out;
	}
	if (fwd_value(fwd, nfwd, "kernel-commit") || fwd_value(fwd, nfwd, "parent-commit")) {
		ret = cmd_say(2, "ab takes --base-commit and --head-commit, not --kernel-commit or --parent-commit");
		goto out;
	}
	if (fwd_value(fwd, nfwd, "json")) {
		ret = cmd_say(2, "ab writes its documents with --json-dir DIR, not --json");
		goto out;
	}
	if ((ret = parse_unsigned("--boots", a.boots, 1, max_pairs, &boots)) ||
	    (a.runs && (ret = parse_unsigned("--runs", a.runs, 1, 100000, &runs))) ||
	    (a.time_budget && (ret = parse_unsigned("--time-budget", a.time_budget, 1, 30 * 86400, &budget))))
		goto out;
	if (runs < boots) {
		ret = cmd_say(2, "--runs %u: fewer runs than --boots %u; each boot runs at least one", runs, boots);
		goto out;
	}
	commits[0] = a.base_commit;
	commits[1] = a.head_commit;
	for (side = 0; side < 2; side++)
		if (commits[side] && !ident_valid_sha(commits[side])) {
			ret = cmd_say(2, "--%s-commit '%s': expected 7 to 40 lower-case hex digits", roles[side],
				      commits[side]);
			goto out;
		}
	if ((ret = session_workdir(&s)))
		goto out;
	files[0] = a.base;
	files[1] = a.head;
	mods[0] = a.base_modules;
	mods[1] = a.head_modules;
	for (side = 0; side < 2; side++) {
		bool deb = is_deb(files[side]);

		if (deb && mods[side]) {
			ret = cmd_say(2, "--%s-modules: '%s' is a package, which holds its modules", roles[side],
				      files[side]);
			goto out;
		}
		ret = prepare_kernel(&k[side], "ab", deb ? files[side] : NULL, deb ? NULL : files[side], mods[side],
				     s.workdir, roles[side], a.quiet != NULL);
		if (ret)
			goto out;
		kready++;
	}
	if (strcmp(k[0].img.arch, k[1].img.arch)) {
		ret = cmd_say(2, "ab: the base is %s, the head %s: both must be of one architecture", k[0].img.arch,
			      k[1].img.arch);
		goto out;
	}
	ret = session_setup(&s, &a, "ab", k[0].img.arch, fwd, nfwd);
	if (ret)
		goto out;
	if (a.json_dir && mkdir(a.json_dir, 0755) && errno != EEXIST) {
		ret = cmd_say(2, "--json-dir '%s': %s", a.json_dir, strerror(errno));
		goto out;
	}
	docs = calloc(2 * (size_t)max_pairs + 2, sizeof(*docs));
	if (!docs)
		abort();
	vm_catch_signals();
	if (!a.quiet) {
		say_boot(&s, &k[0], "base");
		say_boot(&s, &k[1], "head");
	}
	t0 = mono_s();
	for (pair = 0; ab_more_pairs(ab_precise(cmp), pair, boots, max_pairs, mono_s() - t0, budget); pair++) {
		for (side = 0; side < 2; side++) {
			struct vm_result res;
			struct vm_boot b = { 0 };
			int nb = 0, j;

			for (j = 0; j < nfwd; j++)
				bargv[nb++] = fwd[j];
			snprintf(runs_s[side], sizeof(runs_s[side]), "%u", runs / boots + (pair < runs % boots));
			bargv[nb++] = "--runs";
			bargv[nb++] = runs_s[side];
			if (commits[side]) {
				bargv[nb++] = "--kernel-commit";
				bargv[nb++] = commits[side];
			}
			if (side == 1 && base_commit[0]) {
				bargv[nb++] = "--parent-commit";
				bargv[nb++] = base_commit;
			}
			b.bench_argv = bargv;
			b.bench_argc = nb;
			b.boot = pair;
			/* past --boots (--time-budget): the boots so far */
			b.boots = pair < boots ? boots : pair + 1;
			b.seq = 2 * pair + (unsigned)side;
			b.role = roles[side];
			b.stop = &vm_stop;
			vm_result_init(&res);
			if (!a.quiet)
				fprintf(stderr, "forkwatch: boot %u/%u: %s %u/%u, %s runs\n", b.seq + 1, 2 * b.boots,
					roles[side], pair + 1, b.boots, runs_s[side]);
			strbuf_reset(&err);
			ret = vm_run(&s.m, &k[side], &s.g, &b, &res, &err);
			if (ret) {
				ret = cmd_say(ret == -EINTR ? 130 : 2, "ab: %s boot %u: %s", roles[side], pair + 1, err.buf);
				vm_result_release(&res);
				goto out;
			}
			if (!a.quiet)
				say_done(&res);
			if (side == 0 && pair == 0) {
				doc_commit(&res.doc, base_commit, sizeof(base_commit));
				if (!base_commit[0] && !a.quiet)
					fprintf(stderr, "forkwatch: the base kernel has no commit (no -g<sha> in its release, "
						"no --base-commit): the head's documents name no parent commit\n");
			}
			if (ab_add_doc(cmp, side == 1, b.seq, res.doc.buf, res.doc.len, &err)) {
				ret = cmd_say(2, "ab: %s boot %u: %s", roles[side], pair + 1, err.buf);
				vm_result_release(&res);
				goto out;
			}
			if (a.json_dir) {
				strbuf_reset(&path);
				strbuf_addf(&path, "%s/%u-%s.json", a.json_dir, b.seq, roles[side]);
				if ((ret = write_doc("--json-dir", path.buf, &res.doc))) {
					vm_result_release(&res);
					goto out;
				}
			}
			docs[ndocs++] = res.doc;
			strbuf_init(&res.doc, 0);
			vm_result_release(&res);
		}
	}
	if (budget && !a.quiet)
		fprintf(stderr, "forkwatch: --time-budget %u s: %s after %u boots each, %.0f s\n", budget,
			ab_precise(cmp) ? "every case precise to half its budget" :
			pair == max_pairs ? "the most boots ab takes, some cases not yet precise" :
			"time is up with some cases not yet precise", pair, mono_s() - t0);
	ab_report(cmp, k[0].img.release[0] ? k[0].img.release : a.base,
		  k[1].img.release[0] ? k[1].img.release : a.head, s.m.accel, &report);
	fputs(report.buf, stdout);
	fflush(stdout);
	if (cmd_upload_wanted(s.up)) {
		for (i = 0; i < ndocs && !ret; i++)
			ret = cmd_upload_spool(s.up, docs[i].buf, docs[i].len);
		if (!ret)
			ret = cmd_upload_flush(s.up);
	}
out:
	for (i = 0; docs && i < ndocs; i++)
		strbuf_release(&docs[i]);
	free(docs);
	for (side = 0; side < kready; side++)
		vm_kernel_release(&k[side]);
	ab_free(cmp);
	session_release(&s);
	strbuf_release(&path);
	strbuf_release(&report);
	strbuf_release(&err);
	free((void *)bargv);
	free((void *)fwd);
	return ret;
}

/* ---- console-send: the guest's side of the console channel ---- */

int cmd_console_send(int argc, char **argv)
{
	const char *nonce = NULL, *name = NULL, *file = NULL, *copies_s = NULL;
	const struct opt opts[] = {
		{ OPT_STRING("nonce", "NONCE", &nonce, "the receiver's nonce (required)") },
		{ OPT_STRING("name", "NAME", &name, "the file's name in the frames (required)") },
		{ OPT_STRING("file", "FILE", &file, "the file to send (required)") },
		{ OPT_STRING("copies", "N", &copies_s, "send it this many times (default 2)") },
		{ OPT_END },
	};
	struct strbuf err = STRBUF_INIT, data = STRBUF_INIT, out = STRBUF_INIT;
	unsigned copies = 2, c;
	int ret = opt_parse(opts, argc, argv, 0, NULL, &err);

	if (ret == 1) {
		opt_usage(stdout, "forkwatch console-send --nonce NONCE --name NAME --file FILE [--copies N]",
			  "Inside forkwatch vm's guest: write a file to standard output (the console) as\n"
			  "framed lines (lib/frame.h) that the host reads back from the console log.", opts);
		return 0;
	}
	if (ret || !nonce || !name || !file) {
		ret = cmd_say(2, "%s", err.len ? err.buf : "console-send needs --nonce, --name and --file");
		goto out;
	}
	if (copies_s && (ret = parse_unsigned("--copies", copies_s, 1, 10, &copies)))
		goto out;
	ret = strbuf_read_file(&data, file, FRAME_MAX_LEN);
	if (ret) {
		ret = cmd_say(2, "--file '%s': %s", file, strerror(-ret));
		goto out;
	}
	for (c = 0; c < copies; c++)
		if (frame_encode(&out, nonce, name, data.buf, data.len)) {
			ret = cmd_say(2, "--nonce '%s', --name '%s': expected [a-z0-9._-], and a file up to %u MiB",
				      nonce, name, FRAME_MAX_LEN >> 20);
			goto out;
		}
	if (fileio_write_all(STDOUT_FILENO, out.buf, out.len)) {
		ret = cmd_say(2, "writing to standard output: %s", strerror(errno));
		goto out;
	}
	/* the guest powers off next: let the UART drain what the tty still holds */
	tcdrain(STDOUT_FILENO);
	ret = 0;
out:
	strbuf_release(&out);
	strbuf_release(&data);
	strbuf_release(&err);
	return ret;
}
