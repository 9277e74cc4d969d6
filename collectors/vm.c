// SPDX-License-Identifier: GPL-2.0
/* forkwatch vm: a kernel under qemu, a busybox guest that benches it, the result brought back. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collectors/initramfs.h"
#include "collectors/vm.h"
#include "lib/fileio.h"
#include "lib/frame.h"
#include "lib/jread.h"
#include "lib/jsonw.h"

#define GUEST_EXE_MAX (64u << 20)
#define CONSOLE_MAX (256u << 20)   /* the most console text read back */
#define STATUS_MAX (1u << 20)

/*
 * The guest's /init.  Whatever happens, it sends its status and powers
 * off: the host reads why from the status (key=value lines) or, when
 * none comes, from the console (a panic) or the clock (a hang).
 */
static const char guest_init[] =
	"#!/bin/busybox sh\n"
	"# forkwatch vm's guest (collectors/vm.c): bench this kernel, send the result\n"
	"# back, power off.  Whatever happens, power off.\n"
	"/bin/busybox --install -s /bin\n"
	"export PATH=/bin\n"
	"mount -t proc proc /proc\n"
	"mount -t sysfs sysfs /sys\n"
	"mount -t devtmpfs devtmpfs /dev 2>/dev/null\n"
	"up() { cut -d' ' -f1 /proc/uptime; }\n"
	"nonce=$(cat /etc/forkwatch/nonce)\n"
	"st=/tmp/status\n"
	"echo \"boot_s=$(up)\" >$st\n"
	"echo \"fw-guest: init $nonce\"\n"
	"off() {\n"
	"\tforkwatch console-send --nonce \"$nonce\" --name status --file $st\n"
	"\tsync\n"
	"\tumount /share 2>/dev/null\n"
	"\techo 'fw-guest: power off'\n"
	"\tpoweroff -f\n"
	"}\n"
	"trap off EXIT\n"
	"mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null\n"
	"hostname \"$(cat /etc/hostname)\"\n"
	"echo \"release=$(uname -r)\" >>$st\n"
	"[ -r /sys/kernel/mm/transparent_hugepage/enabled ] ||\n"
	"\techo 'missing=THP (no /sys/kernel/mm/transparent_hugepage: CONFIG_TRANSPARENT_HUGEPAGE is off)' >>$st\n"
	"[ -r /proc/self/pagemap ] && [ -r /proc/kpageflags ] ||\n"
	"\techo 'missing=pagemap (no /proc/kpageflags: CONFIG_PROC_PAGE_MONITOR is off)' >>$st\n"
	"grep -q '^missing=' $st && exit\n"
	"out=/tmp/result.json\n"
	"channel=console\n"
	"if [ -e /etc/forkwatch/9p ]; then\n"
	"\tfor m in $(cat /etc/forkwatch/modules); do\n"
	"\t\tinsmod /lib/modules/$m.ko || echo \"p9=insmod $m failed\" >>$st\n"
	"\tdone\n"
	"\tif mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 fwshare /share; then\n"
	"\t\tout=/share/result.json\n"
	"\t\tchannel=9p\n"
	"\telse\n"
	"\t\techo 'p9=cannot mount the 9p share' >>$st\n"
	"\tfi\n"
	"fi\n"
	"echo \"channel=$channel\" >>$st\n"
	"echo \"fw-guest: kernel $(uname -r) $(uname -m), result over $channel,\" \\\n"
	"\t\"thp $(cat /sys/kernel/mm/transparent_hugepage/enabled), cmdline $(cat /proc/cmdline)\"\n"
	"IFS='\n"
	"'\n"
	"set -f\n"
	"set -- $(cat /etc/forkwatch/bench.args)\n"
	"set +f\n"
	"unset IFS\n"
	"echo \"bench_start_s=$(up)\" >>$st\n"
	"rc=0\n"
	"FORKWATCH_STATE_DIR=/var/lib/forkwatch forkwatch bench \"$@\" --quiet --json \"$out\" \\\n"
	"\t>/tmp/table 2>/tmp/bench.err </dev/null || rc=$?\n"
	"echo \"bench_end_s=$(up)\" >>$st\n"
	"echo \"rc=$rc\" >>$st\n"
	"sed 's/^/err=/' /tmp/bench.err >>$st\n"
	"cat /tmp/table /tmp/bench.err\n"
	"forkwatch console-send --nonce \"$nonce\" --name table --file /tmp/table\n"
	"if [ $rc = 0 ] && [ $channel = console ]; then\n"
	"\tforkwatch console-send --nonce \"$nonce\" --name result.json --file $out\n"
	"fi\n"
	"echo \"send_end_s=$(up)\" >>$st\n";

/* ---- the guest's executables ---- */

/* Whether the file's bytes are a static ELF executable of arch (no PT_INTERP). */
static bool static_elf_of(const struct strbuf *f, const char *arch)
{
	const Elf64_Ehdr *eh = (const void *)f->buf;
	unsigned want = !strcmp(arch, "x86_64") ? EM_X86_64 : EM_AARCH64;
	size_t i;

	if (f->len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_machine != want || eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > f->len ||
	    (size_t)eh->e_phnum * sizeof(Elf64_Phdr) > f->len - eh->e_phoff)
		return false;
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(f->buf + eh->e_phoff + i * sizeof(Elf64_Phdr));

		if (ph->p_type == PT_INTERP)
			return false;
	}
	return true;
}

static const char *debian_arch(const char *arch)
{
	return !strcmp(arch, "x86_64") ? "amd64" : "arm64";
}

/* Try path: a static executable of arch read into out (0), else -ENOENT/-ENOEXEC. */
static int try_exe(const char *path, const char *arch, struct strbuf *out, char *kept, size_t keptlen)
{
	strbuf_reset(out);
	if (access(path, F_OK))
		return -ENOENT;
	if (strbuf_read_file(out, path, GUEST_EXE_MAX) || !static_elf_of(out, arch)) {
		strbuf_reset(out);
		return -ENOEXEC;
	}
	snprintf(kept, keptlen, "%s", path);
	return 0;
}

static int find_exe(const char *what, const char *given, const char *const *candidates, size_t n,
		    const char *arch, struct strbuf *out, char *kept, size_t keptlen, const char *hint,
		    struct strbuf *err)
{
	size_t i;

	if (given) {
		int ret = try_exe(given, arch, out, kept, keptlen);

		if (ret)
			strbuf_addf(err, "'%s': %s", given,
				    ret == -ENOENT ? "no such file" : "not a static executable for the guest's arch");
		else
			return 0;
		strbuf_addf(err, " (%s %s)", arch, what);
		return ret;
	}
	for (i = 0; i < n; i++)
		if (candidates[i] && !try_exe(candidates[i], arch, out, kept, keptlen))
			return 0;
	strbuf_addf(err, "no static %s %s for the guest: %s", arch, what, hint);
	return -ENOENT;
}

int vm_guest_load(struct vm_guest *g, const char *arch, const char *fw, const char *bb, struct strbuf *err)
{
	struct strbuf c[5] = { STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT };
	const char *gd = getenv("FORKWATCH_GUEST_DIR"), *cand[5];
	char exe[KIMAGE_PATH_MAX], *slash;
	ssize_t n;
	size_t i;
	int ret;

	memset(g, 0, sizeof(*g));
	snprintf(g->arch, sizeof(g->arch), "%s", arch);
	strbuf_init(&g->forkwatch, 0);
	strbuf_init(&g->busybox, 0);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0'; /* the directory of this forkwatch: build/<arch> in the build tree */

	if (gd && *gd)
		strbuf_addf(&c[0], "%s/%s/forkwatch", gd, arch);
	if (*exe) {
		strbuf_addf(&c[1], "%s/../%s-static/forkwatch", exe, arch);
		strbuf_addf(&c[2], "%s/../%s/forkwatch", exe, arch);
	}
	strbuf_addf(&c[3], "/usr/lib/forkwatch/guest/%s/forkwatch", arch);
	for (i = 0; i < 4; i++)
		cand[i] = c[i].len ? c[i].buf : NULL;
	ret = find_exe("forkwatch", fw, cand, 4, arch, &g->forkwatch, g->forkwatch_path, sizeof(g->forkwatch_path),
		       !strcmp(arch, "x86_64") ? "build it with 'make STATIC=1' or give --guest-forkwatch FILE"
					       : "build it with 'make ARCH=aarch64' or give --guest-forkwatch FILE",
		       err);
	if (ret)
		goto out;
	for (i = 0; i < 5; i++)
		strbuf_reset(&c[i]);
	if (gd && *gd)
		strbuf_addf(&c[0], "%s/%s/busybox", gd, arch);
	if (*exe)
		strbuf_addf(&c[1], "%s/../deps/guest-%s/bin/busybox", exe, debian_arch(arch));
	strbuf_addf(&c[2], "/usr/lib/forkwatch/guest/%s/busybox", arch);
	strbuf_addstr(&c[3], "/bin/busybox");
	for (i = 0; i < 4; i++)
		cand[i] = c[i].len ? c[i].buf : NULL;
	strbuf_addf(&c[4], "'apt-get download busybox-static:%s', unpack it with 'dpkg-deb -x' and give "
			  "--busybox DIR/bin/busybox (scripts/deps.sh test does it for the build tree)",
		    debian_arch(arch));
	ret = find_exe("busybox", bb, cand, 4, arch, &g->busybox, g->busybox_path, sizeof(g->busybox_path),
		       c[4].buf, err);
out:
	for (i = 0; i < 5; i++)
		strbuf_release(&c[i]);
	if (ret)
		vm_guest_release(g);
	return ret;
}

void vm_guest_release(struct vm_guest *g)
{
	strbuf_release(&g->forkwatch);
	strbuf_release(&g->busybox);
}

/* ---- the kernel ---- */

int vm_kernel_prepare(struct vm_kernel *k, const char *deb, const char *image, const char *modules,
		      const char *dir, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	int ret, builtin;

	memset(k, 0, sizeof(*k));
	if (deb) {
		k->input = "deb";
		ret = kimage_from_deb(deb, dir, &k->img, err);
	} else {
		k->input = "image";
		ret = kimage_open(image, &k->img, err);
		if (!ret && modules)
			ret = kimage_set_moddir(&k->img, modules, err);
	}
	if (ret)
		return ret;
	if (!kimage_modules_9p(&k->img, &k->mods, &k->nmods, &builtin, &why))
		k->p9 = true;
	else
		snprintf(k->no9p, sizeof(k->no9p), "%s", why.buf);
	strbuf_release(&why);
	return 0;
}

void vm_kernel_release(struct vm_kernel *k)
{
	kmod_free_all(k->mods, k->nmods);
	k->mods = NULL;
	k->nmods = 0;
}

/* ---- the machine ---- */

static void make_uuid(char out[37])
{
	unsigned char b[16];
	size_t i, o = 0;

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)((uint64_t)ts.tv_nsec * (i + 7) >> (i % 8) ^ (uint64_t)getpid() << i);
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		o += (size_t)sprintf(out + o, "%02x", b[i]);
	}
	out[o] = '\0';
}

/* Run argv, its first line of output (standard output and error) into line; 0 or -ENOENT. */
static int first_line(const char *const argv[], char *line, size_t len)
{
	int fd[2], status;
	ssize_t n;
	pid_t pid;

	line[0] = '\0';
	if (pipe2(fd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -errno;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, 0);
		dup2(fd[1], 1);
		dup2(fd[1], 2);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fd[1]);
	n = read(fd[0], line, len - 1);
	line[n > 0 ? n : 0] = '\0';
	line[strcspn(line, "\n")] = '\0';
	close(fd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ENOENT;
}

int vm_machine_setup(struct vm_machine *m, const char *arch, const char *accel, struct strbuf *err)
{
	struct utsname u;
	char line[256];
	const char *argv[] = { m->qemu, "--version", NULL };
	const char *v;
	int fd;

	memset(m, 0, sizeof(*m));
	snprintf(m->arch, sizeof(m->arch), "%s", arch);
	snprintf(m->qemu, sizeof(m->qemu), "qemu-system-%s", arch);
	uname(&u);
	if (!strcmp(accel, "auto") || !strcmp(accel, "kvm")) {
		const char *why = NULL;

		if (strcmp(u.machine, arch))
			why = "the guest's architecture is not the host's";
		else if ((fd = open("/dev/kvm", O_RDWR | O_CLOEXEC)) < 0)
			why = errno == ENOENT ? "no /dev/kvm" : "/dev/kvm cannot be opened";
		else
			close(fd);
		if (why && !strcmp(accel, "kvm")) {
			strbuf_addf(err, "--accel kvm: %s (%s guest on %s); use --accel tcg", why, arch, u.machine);
			return -ENODEV;
		}
		snprintf(m->accel, sizeof(m->accel), "%s", why ? "tcg" : "kvm");
	} else if (!strcmp(accel, "tcg")) {
		snprintf(m->accel, sizeof(m->accel), "tcg");
	} else {
		strbuf_addf(err, "--accel '%s': expected auto, kvm or tcg", accel);
		return -EINVAL;
	}
	if (first_line(argv, line, sizeof(line)) || !(v = strstr(line, "version "))) {
		strbuf_addf(err, "cannot run '%s --version': install it (Debian: apt-get install %s)", m->qemu,
			    !strcmp(arch, "x86_64") ? "qemu-system-x86" : "qemu-system-arm");
		return -ENOENT;
	}
	snprintf(m->qemu_version, sizeof(m->qemu_version), "%s", v + strlen("version "));
	ident_host_read(&m->host);
	make_uuid(m->session);
	return 0;
}

/* ---- one boot ---- */

void vm_result_init(struct vm_result *r)
{
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->doc, 0);
	strbuf_init(&r->table, 0);
	strbuf_init(&r->console, 0);
}

void vm_result_release(struct vm_result *r)
{
	strbuf_release(&r->doc);
	strbuf_release(&r->table);
	strbuf_release(&r->console);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* qemu's option syntax: a ',' inside a value is written ",,". */
static void qemu_escape(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == ',')
			strbuf_addch(sb, ',');
		strbuf_addch(sb, *s);
	}
}

/* The initramfs of one boot: busybox, forkwatch, modules, /init, the boot's settings. */
static int write_initramfs(const struct vm_machine *m, const struct vm_kernel *k, const struct vm_guest *g,
			   const struct vm_boot *b, const char *nonce, const char *path, struct strbuf *err)
{
	struct initramfs ir;
	struct strbuf s = STRBUF_INIT;
	size_t i;
	int fd, ret;

	initramfs_init(&ir);
	initramfs_dir(&ir, "bin", 0755);
	initramfs_dir(&ir, "dev", 0755);
	initramfs_chardev(&ir, "dev/console", 0600, 5, 1);
	initramfs_dir(&ir, "etc", 0755);
	initramfs_dir(&ir, "etc/forkwatch", 0755);
	initramfs_dir(&ir, "lib", 0755);
	initramfs_dir(&ir, "lib/modules", 0755);
	initramfs_dir(&ir, "proc", 0755);
	initramfs_dir(&ir, "share", 0755);
	initramfs_dir(&ir, "sys", 0755);
	initramfs_dir(&ir, "tmp", 01777);
	initramfs_dir(&ir, "var", 0755);
	initramfs_dir(&ir, "var/lib", 0755);
	initramfs_dir(&ir, "var/lib/forkwatch", 0755);
	initramfs_file(&ir, "bin/busybox", 0755, g->busybox.buf, g->busybox.len);
	initramfs_file(&ir, "bin/forkwatch", 0755, g->forkwatch.buf, g->forkwatch.len);
	initramfs_file(&ir, "init", 0755, guest_init, sizeof(guest_init) - 1);
	for (i = 0; k->p9 && i < k->nmods; i++) {
		strbuf_reset(&s);
		strbuf_addf(&s, "lib/modules/%s.ko", k->mods[i].name);
		initramfs_file(&ir, s.buf, 0644, k->mods[i].data.buf, k->mods[i].data.len);
	}
	strbuf_reset(&s);
	for (i = 0; k->p9 && i < k->nmods; i++)
		strbuf_addf(&s, "%s\n", k->mods[i].name);
	initramfs_file(&ir, "etc/forkwatch/modules", 0644, s.buf, s.len);
	if (k->p9)
		initramfs_file(&ir, "etc/forkwatch/9p", 0644, "", 0);
	strbuf_reset(&s);
	for (i = 0; i < (size_t)b->bench_argc; i++)
		strbuf_addf(&s, "%s\n", b->bench_argv[i]);
	initramfs_file(&ir, "etc/forkwatch/bench.args", 0644, s.buf, s.len);
	strbuf_reset(&s);
	strbuf_addf(&s, "%s\n", nonce);
	initramfs_file(&ir, "etc/forkwatch/nonce", 0644, s.buf, s.len);
	strbuf_reset(&s);
	strbuf_addf(&s, "%s\n", m->hostname);
	initramfs_file(&ir, "etc/hostname", 0644, s.buf, s.len);
	initramfs_finish(&ir);
	strbuf_reset(&s);
	strbuf_addf(&s, "%s.tmp", path);
	fd = open(s.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		strbuf_addf(err, "cannot create '%s': %s", s.buf, strerror(errno));
	} else {
		ret = fileio_write_all(fd, ir.buf.buf, ir.buf.len);
		if (close(fd) && !ret)
			ret = -errno;
		if (!ret && rename(s.buf, path))
			ret = -errno;
		if (ret)
			strbuf_addf(err, "cannot write '%s': %s", path, strerror(-ret));
	}
	strbuf_release(&s);
	initramfs_release(&ir);
	return ret;
}

static void qemu_argv(const struct vm_machine *m, const struct vm_kernel *k, const char *initrd,
		      const char *console, const char *share, struct strbuf *args)
{
	/* NUL-separated words */
#define W(...) (strbuf_addf(args, __VA_ARGS__), strbuf_addch(args, '\0'))
	bool x86 = !strcmp(m->arch, "x86_64"), kvm = !strcmp(m->accel, "kvm");

	W("%s", m->qemu);
	W("-nodefaults");
	W("-no-user-config");
	W("-display");
	W("none");
	W("-machine");
	W("%s", x86 ? "q35" : kvm ? "virt,gic-version=host" : "virt,gic-version=max");
	W("-accel");
	W("%s", m->accel);
	W("-cpu");
	W("%s", kvm ? "host" : x86 ? "max" : "max,pauth-impdef=on");
	W("-smp");
	W("%u", m->cpus);
	W("-m");
	W("%lluM", (unsigned long long)(m->mem_bytes >> 20));
	W("-no-reboot");
	W("-kernel");
	W("%s", k->img.path);
	W("-initrd");
	W("%s", initrd);
	W("-append");
	/* earlyprintk: the x86 decompressor says why it stops (a corrupt image) */
	strbuf_addf(args, "console=%s panic=-1 transparent_hugepage=madvise loglevel=4",
		    x86 ? "ttyS0 earlyprintk=serial,ttyS0" : "ttyAMA0");
	if (m->append && *m->append)
		strbuf_addf(args, " %s", m->append);
	strbuf_addch(args, '\0');
	W("-chardev");
	strbuf_addstr(args, "file,id=con,path=");
	qemu_escape(args, console);
	strbuf_addch(args, '\0');
	W("-serial");
	W("chardev:con");
	if (share) {
		W("-fsdev");
		strbuf_addstr(args, "local,id=fw,security_model=none,path=");
		qemu_escape(args, share);
		strbuf_addch(args, '\0');
		W("-device");
		W("virtio-9p-pci,fsdev=fw,mount_tag=fwshare");
	}
#undef W
}

/* Start qemu with the NUL-separated words of args; its output to errlog. */
static pid_t qemu_start(const struct strbuf *args, const char *errlog, struct strbuf *err)
{
	const char *argv[64];
	size_t n = 0, off = 0;
	pid_t pid;

	while (off < args->len && n + 1 < sizeof(argv) / sizeof(argv[0])) {
		argv[n++] = args->buf + off;
		off += strlen(args->buf + off) + 1;
	}
	argv[n] = NULL;
	pid = fork();
	if (pid < 0) {
		strbuf_addf(err, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY), out = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(126);
		setpgid(0, 0); /* a terminal's ^C is ours to pass on */
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/*
 * Whether the console log at path shows needle yet (our init started);
 * *halted says whether it shows the x86 decompressor's "-- System halted"
 * (a corrupt image, which never gets further).  The log is small until
 * init runs, when this stops being called.
 */
static bool console_shows(const char *path, const char *needle, bool *halted)
{
	struct strbuf sb = STRBUF_INIT;
	bool found;

	strbuf_read_file(&sb, path, 4u << 20);
	found = memmem(sb.buf, sb.len, needle, strlen(needle)) != NULL;
	*halted = memmem(sb.buf, sb.len, "-- System halted", 16) != NULL;
	strbuf_release(&sb);
	return found;
}

/* The value of key in the status text (its last line "key=..."), or "" */
static void status_get(const char *st, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);
	const char *p = st;

	out[0] = '\0';
	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			size_t n = strcspn(p + kl + 1, "\n");

			snprintf(out, len, "%.*s", (int)n, p + kl + 1);
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
}

static double status_num(const char *st, const char *key)
{
	char v[64], *end;
	double d;

	status_get(st, key, v, sizeof(v));
	d = strtod(v, &end);
	return v[0] && !*end ? d : NAN;
}

/* The line of the console text that holds needle (its printk time left out), fit for a message. */
static bool console_line(const struct strbuf *con, const char *needle, char *out, size_t len)
{
	const char *p = memmem(con->buf, con->len, needle, strlen(needle)), *e;
	size_t n;

	if (!p)
		return false;
	while (p > con->buf && p[-1] != '\n')
		p--;
	if (*p == '[' && (e = memchr(p, ']', con->len - (size_t)(p - con->buf))) && e - p < 20)
		p = e + 1;
	while (*p == ' ')
		p++;
	e = memchr(p, '\n', con->len - (size_t)(p - con->buf));
	n = e ? (size_t)(e - p) : con->len - (size_t)(p - con->buf);
	while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	for (e = out; *e; e++)
		if ((unsigned char)*e < ' ')
			out[e - out] = ' ';
	return true;
}

/* Keep the console log: at b->console_log, else, on failure, beside the scratch space. */
static void keep_console(const struct vm_machine *m, const struct vm_boot *b, const char *log, bool failed,
			 struct vm_result *res)
{
	struct strbuf data = STRBUF_INIT, tmp = STRBUF_INIT, e = STRBUF_INIT;
	const char *tmpdir = getenv("TMPDIR");
	int fd;

	strbuf_reset(&res->console);
	if (b->console_log)
		strbuf_addstr(&res->console, b->console_log);
	else if (failed)
		strbuf_addf(&res->console, "%s/forkwatch-vm-%.8s-%u%s%s.log", tmpdir && *tmpdir ? tmpdir : "/tmp",
			    m->session, b->seq, b->role ? "-" : "", b->role ? b->role : "");
	else
		return;
	strbuf_read_file(&data, log, CONSOLE_MAX);
	strbuf_addf(&tmp, "%s.tmp.%d", res->console.buf, (int)getpid());
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || fileio_commit(fd, tmp.buf, res->console.buf, data.buf, data.len, &e)) {
		strbuf_reset(&res->console);
		strbuf_addstr(&res->console, log); /* at least the scratch copy */
	}
	strbuf_release(&e);
	strbuf_release(&tmp);
	strbuf_release(&data);
}

static void vm_json(const struct vm_machine *m, const struct vm_kernel *k, const struct vm_boot *b,
		    const struct vm_result *res, struct strbuf *out)
{
	struct jw jw;

	jw_init(&jw, out);
	jw_obj_begin(&jw, NULL);
	jw_str(&jw, "accel", m->accel);
	jw_str(&jw, "qemu", m->qemu_version);
	jw_u64(&jw, "vcpus", m->cpus);
	jw_u64(&jw, "mem_bytes", m->mem_bytes);
	jw_str(&jw, "host_hostname", m->host.hostname);
	jw_str(&jw, "host_arch", m->host.arch);
	jw_str_or_null(&jw, "host_cpu", m->host.cpu_model);
	jw_i64(&jw, "host_cpus", m->host.cpus);
	jw_str(&jw, "kernel_input", k->input);
	jw_str(&jw, "image_format", k->img.format);
	jw_str(&jw, "channel", res->channel);
	jw_str(&jw, "session", m->session);
	if (b->role)
		jw_str(&jw, "role", b->role);
	else
		jw_null(&jw, "role");
	jw_u64(&jw, "boot", b->boot);
	jw_u64(&jw, "boots", b->boots);
	jw_u64(&jw, "boot_seq", b->seq);
	jw_double(&jw, "boot_s", res->boot_s);
	jw_double(&jw, "bench_s", res->bench_s);
	jw_double(&jw, "wall_s", res->wall_s);
	jw_obj_end(&jw);
}

int vm_run(const struct vm_machine *m, const struct vm_kernel *k, const struct vm_guest *g,
	   const struct vm_boot *b, struct vm_result *res, struct strbuf *err)
{
	struct strbuf dir = STRBUF_INIT, initrd = STRBUF_INIT, log = STRBUF_INIT, qerr = STRBUF_INIT;
	struct strbuf share = STRBUF_INIT, args = STRBUF_INIT, con = STRBUF_INIT, st = STRBUF_INIT;
	struct strbuf why = STRBUF_INIT, marker = STRBUF_INIT, qout = STRBUF_INIT, vmj = STRBUF_INIT;
	struct jread_node *root = NULL;
	char nonce[17], line[512], v[512];
	unsigned char rnd[8];
	const struct timespec tick = { 0, 100 * 1000 * 1000 };
	bool booted = false, halted = false;
	const char *what = NULL;
	double start, t;
	int status = 0, ret, i;
	pid_t pid;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		for (i = 0; i < 8; i++)
			rnd[i] = (unsigned char)(now_s() * 1e9 * (i + 1));
	for (i = 0; i < 8; i++)
		sprintf(nonce + 2 * i, "%02x", rnd[i]);
	strbuf_addf(&dir, "%s/boot-%u", m->workdir, b->seq);
	if (mkdir(dir.buf, 0700)) {
		ret = -errno;
		strbuf_addf(err, "cannot create '%s': %s", dir.buf, strerror(errno));
		goto out;
	}
	strbuf_addf(&initrd, "%s/initrd.cpio", dir.buf);
	strbuf_addf(&log, "%s/console.log", dir.buf);
	strbuf_addf(&qerr, "%s/qemu.log", dir.buf);
	if (k->p9) {
		strbuf_addf(&share, "%s/share", dir.buf);
		if (mkdir(share.buf, 0700)) {
			ret = -errno;
			strbuf_addf(err, "cannot create '%s': %s", share.buf, strerror(errno));
			goto out;
		}
	}
	ret = write_initramfs(m, k, g, b, nonce, initrd.buf, err);
	if (ret)
		goto out;
	qemu_argv(m, k, initrd.buf, log.buf, k->p9 ? share.buf : NULL, &args);
	strbuf_addf(&marker, "fw-guest: init %s", nonce);

	start = now_s();
	pid = qemu_start(&args, qerr.buf, err);
	if (pid < 0) {
		ret = -ECHILD;
		goto out;
	}
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		t = now_s() - start;
		if (!booted)
			booted = console_shows(log.buf, marker.buf, &halted);
		if (b->stop && *b->stop)
			what = "stopped";
		else if (halted)
			what = "halted";
		else if (!booted && m->boot_timeout && t > m->boot_timeout)
			what = "boot";
		else if (m->guest_timeout && t > m->guest_timeout)
			what = "guest";
		if (what) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			break;
		}
		nanosleep(&tick, NULL);
	}
	res->wall_s = now_s() - start;
	strbuf_read_file(&con, log.buf, CONSOLE_MAX);
	strbuf_read_file(&qout, qerr.buf, 1 << 16);
	strbuf_rtrim(&qout);

	if (what && !strcmp(what, "stopped")) {
		ret = -EINTR;
		strbuf_addstr(err, "interrupted");
		goto out;
	}
	if (frame_decode(con.buf, con.len, nonce, "status", &st)) {
		/* no status: the kernel never reached our init's end; say why as well as we can */
		ret = -EIO;
		if (halted)
			strbuf_addf(&why, "halted in its decompressor: '%s' (a corrupt image)",
				    console_line(&con, "failed", line, sizeof(line)) ? line : "-- System halted");
		else if (what && !strcmp(what, "boot"))
			strbuf_addf(&why, "hung: no init within --boot-timeout %u s", m->boot_timeout);
		else if (what)
			strbuf_addf(&why, "hung: still running after --guest-timeout %u s", m->guest_timeout);
		else if (console_line(&con, "Kernel panic", line, sizeof(line)))
			strbuf_addf(&why, "panicked: '%s'", line);
		else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
			strbuf_addf(&why, "%s failed (exit %d): %s", m->qemu, WEXITSTATUS(status),
				    qout.len ? qout.buf : "no message");
		else if (WIFSIGNALED(status))
			strbuf_addf(&why, "%s was killed by signal %d", m->qemu, WTERMSIG(status));
		else if (booted)
			strbuf_addstr(&why, "the guest powered off without sending its status");
		else if (!con.len)
			strbuf_addstr(&why, "reset before it printed anything (a corrupt image, or one for another machine?)");
		else
			strbuf_addstr(&why, "reset or powered off before the guest's init ran");
		goto fail;
	}
	status_get(st.buf, "missing", v, sizeof(v));
	if (v[0]) {
		ret = -ENOTSUP;
		strbuf_addf(&why, "lacks what forkwatch needs: %s", v);
		goto fail;
	}
	res->boot_s = status_num(st.buf, "boot_s");
	res->bench_s = status_num(st.buf, "bench_end_s") - status_num(st.buf, "bench_start_s");
	status_get(st.buf, "channel", v, sizeof(v));
	res->channel = !strcmp(v, "9p") ? "9p" : "console";
	frame_decode(con.buf, con.len, nonce, "table", &res->table);
	status_get(st.buf, "rc", v, sizeof(v));
	if (strcmp(v, "0")) {
		ret = -EIO;
		status_get(st.buf, "err", line, sizeof(line));
		strbuf_addf(&why, "booted, but the guest's 'forkwatch bench' failed (exit %s): %s", v[0] ? v : "?",
			    line[0] ? line : "no message");
		goto fail;
	}
	if (!strcmp(res->channel, "9p")) {
		strbuf_reset(&why);
		strbuf_addf(&why, "%s/result.json", share.buf);
		ret = strbuf_read_file(&res->doc, why.buf, FRAME_MAX_LEN);
		strbuf_reset(&why);
		if (ret) {
			strbuf_addf(&why, "the result is not in the 9p share: %s", strerror(-ret));
			goto fail;
		}
	} else if ((ret = frame_decode(con.buf, con.len, nonce, "result.json", &res->doc))) {
		strbuf_addf(&why, "the result did not come back whole over the console (%s)",
			    ret == -ENOENT ? "no begin line" : "lines lost or damaged");
		goto fail;
	}
	if (jread_parse_flags(&root, res->doc.buf, res->doc.len, JREAD_REJECT_DUPLICATES, &why) ||
	    !jread_get(root, "host")) {
		ret = -EBADMSG;
		strbuf_addstr(&why, why.len ? "" : "the result has no host");
		goto fail;
	}
	status_get(st.buf, "release", v, sizeof(v));
	if (k->img.release[0] && strcmp(v, k->img.release)) {
		ret = -EBADMSG;
		strbuf_addf(&why, "the guest ran release '%s', the image says '%s'", v, k->img.release);
		goto fail;
	}
	vm_json(m, k, b, res, &vmj);
	if (vm_doc_add_host_member(&res->doc, "vm", vmj.buf)) {
		ret = -EBADMSG;
		strbuf_addstr(&why, "the result has no host object");
		goto fail;
	}
	ret = 0;
	keep_console(m, b, log.buf, false, res);
	goto out;
fail:
	keep_console(m, b, log.buf, true, res);
	strbuf_reset(&res->doc);
	strbuf_addf(err, "kernel %s (%s) %s; console log kept in '%s'",
		    k->img.release[0] ? k->img.release : k->img.path, m->accel, why.buf, res->console.buf);
out:
	jread_free(root);
	strbuf_release(&vmj);
	strbuf_release(&qout);
	strbuf_release(&marker);
	strbuf_release(&why);
	strbuf_release(&st);
	strbuf_release(&con);
	strbuf_release(&args);
	strbuf_release(&share);
	strbuf_release(&qerr);
	strbuf_release(&log);
	strbuf_release(&initrd);
	strbuf_release(&dir);
	return ret;
}

/* ---- the document ---- */

static size_t skip_ws(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* Past the string at s[i] == '"'. */
static size_t skip_string(const char *s, size_t i, size_t n)
{
	for (i++; i < n && s[i] != '"'; i++)
		if (s[i] == '\\')
			i++;
	return i + 1;
}

/* Past the value at s[i]: the text is valid JSON, so brackets balance outside strings. */
static size_t skip_value(const char *s, size_t i, size_t n)
{
	int depth = 0;

	while (i < n) {
		char c = s[i];

		if (c == '"') {
			i = skip_string(s, i, n);
			if (!depth)
				return i;
			continue;
		}
		if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (!depth)
				return i;
			if (!--depth)
				return i + 1;
		} else if (!depth && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
			return i;
		}
		i++;
	}
	return i;
}

/* Whether the JSON string of len bytes at s (quotes included) says name, escapes and all. */
static bool key_is(const char *s, size_t len, const char *name)
{
	struct jread_node *k = NULL;
	struct strbuf err = STRBUF_INIT;
	bool yes;

	if (len == strlen(name) + 2 && !memcmp(s + 1, name, len - 2))
		return true;
	if (!memchr(s, '\\', len))
		return false;
	yes = !jread_parse(&k, s, len, &err) && jread_str(k) && !strcmp(jread_str(k), name);
	jread_free(k);
	strbuf_release(&err);
	return yes;
}

int vm_doc_add_host_member(struct strbuf *doc, const char *key, const char *json)
{
	const char *s = doc->buf;
	size_t n = doc->len, i = skip_ws(s, 0, n);

	if (i >= n || s[i] != '{')
		return -EINVAL;
	i = skip_ws(s, i + 1, n);
	while (i < n && s[i] == '"') {
		size_t k = i, v;

		i = skip_string(s, i, n);
		v = skip_ws(s, skip_ws(s, i, n) + 1, n); /* past ':' */
		if (key_is(s + k, i - k, "host") && v < n && s[v] == '{') {
			struct strbuf ins = STRBUF_INIT, t = STRBUF_INIT;
			bool empty = s[skip_ws(s, v + 1, n)] == '}';

			jw_quote(&ins, key, strlen(key));
			strbuf_addf(&ins, ": %s%s", json, empty ? "" : ", ");
			strbuf_add(&t, s, v + 1);
			strbuf_add(&t, ins.buf, ins.len);
			strbuf_add(&t, s + v + 1, n - v - 1);
			strbuf_reset(doc);
			strbuf_add(doc, t.buf, t.len);
			strbuf_release(&t);
			strbuf_release(&ins);
			return 0;
		}
		i = skip_ws(s, skip_value(s, v, n), n);
		if (i < n && s[i] == ',')
			i = skip_ws(s, i + 1, n);
	}
	return -EINVAL;
}

void vm_rm_rf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (d) {
		while ((e = readdir(d))) {
			struct strbuf p = STRBUF_INIT;
			struct stat st;

			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			strbuf_addf(&p, "%s/%s", path, e->d_name);
			if (!lstat(p.buf, &st) && S_ISDIR(st.st_mode))
				vm_rm_rf(p.buf);
			else
				unlink(p.buf);
			strbuf_release(&p);
		}
		closedir(d);
	}
	rmdir(path);
}
