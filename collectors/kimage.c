// SPDX-License-Identifier: GPL-2.0
/* Kernel images, Debian kernel packages and their modules, for forkwatch vm. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collectors/kimage.h"
#include "lib/fileio.h"

#define IMAGE_MAX (512u << 20) /* the largest image (decompressed) read */
#define MODULE_MAX (64u << 20)

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Copy the first word of s (at most n bytes, up to a space or NUL) as a release, if it looks like one. */
static bool take_release(const unsigned char *s, size_t n, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; i < n && i + 1 < outlen && s[i] > ' ' && s[i] < 0x7f; i++)
		out[i] = (char)s[i];
	out[i] = '\0';
	/* a release starts with its version digits ("6.1.0-57-arm64"); "%s" is a format */
	return i > 0 && i + 1 < outlen && (i == n || s[i] == ' ' || s[i] == '\0') && out[0] >= '0' &&
	       out[0] <= '9';
}

int kimage_identify(const unsigned char *buf, size_t len, bool whole_file, int *gzip, struct kimage *k,
		    struct strbuf *err)
{
	static const char banner[] = "Linux version ";
	const unsigned char *p;

	*gzip = 0;
	k->release[0] = '\0';
	k->arch[0] = '\0';
	k->format = NULL;
	if (len >= 3 && buf[0] == 0x1f && buf[1] == 0x8b && buf[2] == 8) {
		*gzip = 1;
		return 0;
	}
	if (len >= 8 && buf[0] == 'M' && buf[1] == 'Z' && !memcmp(buf + 4, "zimg", 4)) {
		strbuf_addstr(err, "an EFI zboot image (CONFIG_EFI_ZBOOT), which qemu does not boot with -kernel: "
				   "give arch/arm64/boot/Image");
		return -ENOEXEC;
	}
	if (len >= 4 && !memcmp(buf, "\x7f" "ELF", 4)) {
		strbuf_addstr(err, "an ELF file (vmlinux?), not a boot image: give arch/x86/boot/bzImage or "
				   "arch/arm64/boot/Image");
		return -ENOEXEC;
	}
	/* x86 boot protocol: 0xaa55 at 0x1fe, "HdrS" at 0x202, the version string's offset at 0x20e */
	if (len >= 0x210 && buf[0x1fe] == 0x55 && buf[0x1ff] == 0xaa && !memcmp(buf + 0x202, "HdrS", 4)) {
		size_t off = (size_t)(buf[0x20e] | buf[0x20f] << 8) + 0x200;
		/* setup sectors (0 means 4) and the boot sector, then syssize 16-byte units */
		size_t whole = ((size_t)(buf[0x1f1] ? buf[0x1f1] : 4) + 1) * 512 + (size_t)le32(buf + 0x1f4) * 16;

		if (whole_file && len < whole) {
			strbuf_addf(err, "a bzImage cut short: %zu bytes, its header says %zu", len, whole);
			return -ENOEXEC;
		}
		snprintf(k->arch, sizeof(k->arch), "x86_64");
		k->format = "bzImage";
		if (off <= 0x200 || off >= len || !take_release(buf + off, len - off, k->release, sizeof(k->release)))
			k->release[0] = '\0';
		return 0;
	}
	/* arm64 Image header: "ARM\x64" at 0x38; the banner holds the release */
	if (len >= 64 && le32(buf + 0x38) == 0x644d5241) {
		snprintf(k->arch, sizeof(k->arch), "aarch64");
		k->format = "Image";
		for (p = buf; (p = memmem(p, len - (size_t)(p - buf), banner, sizeof(banner) - 1)); p++) {
			const unsigned char *r = p + sizeof(banner) - 1;

			if (take_release(r, len - (size_t)(r - buf), k->release, sizeof(k->release)))
				break;
			k->release[0] = '\0';
		}
		return 0;
	}
	strbuf_addstr(err, "not a kernel image (no x86 bzImage header, no arm64 Image header, not gzip)");
	return -ENOEXEC;
}

/*
 * Run argv with standard input from in_path (or /dev/null) and append its
 * standard output to out, up to limit bytes; its standard error goes to
 * errlog (appended) when not NULL, else to ours.  Returns the exit status (0-255), or a negative
 * errno with err set.
 */
static int run_capture(const char *const argv[], const char *in_path, struct strbuf *out, size_t limit,
		       const char *errlog, struct strbuf *err)
{
	int pipefd[2], status, in;
	char buf[1 << 16];
	bool over = false;
	pid_t pid;
	ssize_t n;

	if (pipe2(pipefd, O_CLOEXEC))
		return strbuf_addf(err, "pipe: %s", strerror(errno)), -errno;
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(pipefd[0]);
		close(pipefd[1]);
		strbuf_addf(err, "fork: %s", strerror(e));
		return -e;
	}
	if (pid == 0) {
		in = open(in_path ? in_path : "/dev/null", O_RDONLY);
		if (in < 0 || dup2(in, 0) < 0 || dup2(pipefd[1], 1) < 0)
			_exit(126);
		if (errlog) {
			int e = open(errlog, O_WRONLY | O_CREAT | O_APPEND, 0644);

			if (e >= 0)
				dup2(e, 2);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (out->len + (size_t)n > limit) {
			over = true;
			break;
		}
		strbuf_add(out, buf, (size_t)n);
	}
	close(pipefd[0]);
	if (over)
		kill(pid, SIGTERM);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return strbuf_addf(err, "waitpid: %s", strerror(errno)), -ECHILD;
	if (over) {
		strbuf_addf(err, "'%s' wrote more than %zu MiB", argv[0], limit >> 20);
		return -EFBIG;
	}
	if (WIFSIGNALED(status)) {
		strbuf_addf(err, "'%s' killed by signal %d", argv[0], WTERMSIG(status));
		return -ECHILD;
	}
	if (WEXITSTATUS(status) == 127) {
		strbuf_addf(err, "cannot run '%s'", argv[0]);
		return -ENOENT;
	}
	return WEXITSTATUS(status);
}

int kimage_open(const char *path, struct kimage *k, struct strbuf *err)
{
	struct strbuf buf = STRBUF_INIT, e = STRBUF_INIT;
	int gzip, ret;

	memset(k, 0, sizeof(*k));
	if (strlen(path) >= sizeof(k->path)) {
		strbuf_addf(err, "'%s': path too long", path);
		return -ENAMETOOLONG;
	}
	snprintf(k->path, sizeof(k->path), "%s", path);
	ret = strbuf_read_file(&buf, path, IMAGE_MAX);
	if (ret) {
		strbuf_addf(err, "cannot read '%s': %s", path, strerror(-ret));
		goto out;
	}
	ret = kimage_identify((const unsigned char *)buf.buf, buf.len, true, &gzip, k, &e);
	if (!ret && gzip) {
		const char *const argv[] = { "gzip", "-dc", NULL };

		strbuf_reset(&buf);
		ret = run_capture(argv, path, &buf, IMAGE_MAX, "/dev/null", &e);
		if (ret > 0) {
			strbuf_addf(&e, "gzip -dc: exit %d (a corrupt or truncated file)", ret);
			ret = -ENOEXEC;
		}
		if (!ret)
			ret = kimage_identify((const unsigned char *)buf.buf, buf.len, true, &gzip, k, &e);
		if (!ret && (gzip || strcmp(k->arch, "aarch64"))) {
			/* qemu-system-x86_64 boots no gzip'ed file; a gzip'ed gzip is nothing */
			strbuf_addstr(&e, "gzip-compressed, but not an arm64 Image inside");
			ret = -ENOEXEC;
		}
		if (!ret)
			k->format = "Image.gz";
	}
	if (ret)
		strbuf_addf(err, "'%s': %s", path, e.buf);
out:
	strbuf_release(&e);
	strbuf_release(&buf);
	return ret;
}

/* ---- Debian packages ---- */

/*
 * Copy the data.tar.* member of the ar archive deb to dir/<its name>;
 * the path goes to tar.  An ar member header is 60 bytes: name[16],
 * mtime[12], uid[6], gid[6], mode[8], size[10], "`\n"; data is padded to
 * an even length.
 */
static int deb_data_member(const char *deb, const char *dir, struct strbuf *tar, struct strbuf *err)
{
	unsigned char hdr[60];
	char name[17], size_s[11];
	FILE *f = fopen(deb, "rb");
	int ret = -ENOEXEC;

	if (!f) {
		strbuf_addf(err, "cannot open '%s': %s", deb, strerror(errno));
		return -errno;
	}
	if (fread(hdr, 1, 8, f) != 8 || memcmp(hdr, "!<arch>\n", 8)) {
		strbuf_addf(err, "'%s' is not a Debian package (no ar archive)", deb);
		goto out;
	}
	while (fread(hdr, 1, 60, f) == 60) {
		unsigned long long size;
		char *end;
		size_t i;

		if (hdr[58] != '`' || hdr[59] != '\n')
			break;
		memcpy(name, hdr, 16);
		name[16] = '\0';
		for (i = 16; i > 0 && (name[i - 1] == ' ' || name[i - 1] == '/' || name[i - 1] == '\0'); i--)
			name[i - 1] = '\0';
		memcpy(size_s, hdr + 48, 10);
		size_s[10] = '\0';
		size = strtoull(size_s, &end, 10);
		if (end == size_s)
			break;
		if (!strncmp(name, "data.tar", 8) && !strchr(name, '/')) {
			char buf[1 << 16];
			FILE *o;

			strbuf_addf(tar, "%s/%s", dir, name);
			o = fopen(tar->buf, "wb");
			if (!o) {
				strbuf_addf(err, "cannot create '%s': %s", tar->buf, strerror(errno));
				ret = -errno;
				goto out;
			}
			while (size) {
				size_t want = size < sizeof(buf) ? (size_t)size : sizeof(buf);
				size_t got = fread(buf, 1, want, f);

				if (!got || fwrite(buf, 1, got, o) != got)
					break;
				size -= got;
			}
			if (fclose(o) || size) {
				strbuf_addf(err, "'%s': its %s is cut short", deb, name);
				goto out;
			}
			ret = 0;
			goto out;
		}
		if (fseek(f, (long)(size + (size & 1)), SEEK_CUR))
			break;
	}
	strbuf_addf(err, "'%s' is not a Debian package (no data.tar member)", deb);
out:
	fclose(f);
	return ret;
}

/* The single entry of dir whose name starts with prefix, or none. */
static int only_entry(const char *dir, const char *prefix, char *out, size_t outlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && !strncmp(e->d_name, prefix, strlen(prefix))) {
			if (!n)
				snprintf(out, outlen, "%s", e->d_name);
			n++;
		}
	closedir(d);
	return n;
}

int kimage_from_deb(const char *deb, const char *dir, struct kimage *k, struct strbuf *err)
{
	struct strbuf tar = STRBUF_INIT, root = STRBUF_INIT, log = STRBUF_INIT, p = STRBUF_INIT;
	struct strbuf out = STRBUF_INIT;
	char image[256], release[256];
	int ret, n;

	strbuf_addf(&root, "%s/root", dir);
	if ((mkdir(dir, 0700) && errno != EEXIST) || (mkdir(root.buf, 0700) && errno != EEXIST)) {
		strbuf_addf(err, "cannot create '%s': %s", root.buf, strerror(errno));
		ret = -errno;
		goto out;
	}
	ret = deb_data_member(deb, dir, &tar, err);
	if (ret)
		goto out;
	strbuf_addf(&log, "%s/tar.log", dir);
	{
		/* the image and what 9p needs; tar complains of a pattern nothing matched, which is fine */
		const char *const argv[] = { "tar", "-x", "-f", tar.buf, "-C", root.buf, "--wildcards",
			"*boot/vmlinuz-*", "*boot/vmlinux-*", "*/modules/*/modules.builtin",
			"*/modules/*/kernel/fs/9p/*", "*/modules/*/kernel/net/9p/*", "*/modules/*/kernel/fs/netfs/*",
			"*/modules/*/kernel/fs/fscache/*", "*/modules/*/kernel/drivers/virtio/*", NULL };

		ret = run_capture(argv, NULL, &out, 1 << 20, log.buf, err);
	}
	unlink(tar.buf);
	if (ret < 0)
		goto out;
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/boot", root.buf);
	n = only_entry(p.buf, "vmlinuz-", image, sizeof(image));
	if (!n)
		n = only_entry(p.buf, "vmlinux-", image, sizeof(image));
	if (n != 1) {
		strbuf_addf(err, "'%s' holds %s kernel image in /boot (tar: %s)", deb, n ? "more than one" : "no",
			    log.buf);
		ret = -ENOEXEC;
		goto out;
	}
	snprintf(release, sizeof(release), "%s", image + strlen("vmlinuz-"));
	strbuf_addch(&p, '/');
	strbuf_addstr(&p, image);
	ret = kimage_open(p.buf, k, err);
	if (ret)
		goto out;
	if (k->release[0] && strcmp(k->release, release)) {
		strbuf_addf(err, "'%s': its image says release '%s', its name '%s'", deb, k->release, release);
		ret = -ENOEXEC;
		goto out;
	}
	snprintf(k->release, sizeof(k->release), "%s", release);
	ret = kimage_set_moddir(k, root.buf, err);
	if (ret == -ENOENT) {
		/* a package without modules: boots all the same, without 9p */
		strbuf_reset(err);
		k->moddir[0] = '\0';
		ret = 0;
	}
out:
	strbuf_release(&out);
	strbuf_release(&p);
	strbuf_release(&log);
	strbuf_release(&root);
	strbuf_release(&tar);
	return ret;
}

/* ---- modules ---- */

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static bool moddir_like(const char *dir)
{
	struct strbuf p = STRBUF_INIT;
	bool yes;

	strbuf_addf(&p, "%s/modules.builtin", dir);
	yes = !access(p.buf, F_OK);
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/kernel", dir);
	yes = yes || is_dir(p.buf);
	strbuf_release(&p);
	return yes;
}

int kimage_set_moddir(struct kimage *k, const char *dir, struct strbuf *err)
{
	static const char *const sub[] = { "lib/modules", "usr/lib/modules", "" };
	struct strbuf p = STRBUF_INIT;
	char rel[256];
	size_t i;
	int ret = -ENOENT, n;

	if (moddir_like(dir)) {
		snprintf(k->moddir, sizeof(k->moddir), "%s", dir);
		return 0;
	}
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]) && ret; i++) {
		strbuf_reset(&p);
		strbuf_addf(&p, "%s%s%s", dir, *sub[i] ? "/" : "", sub[i]);
		if (k->release[0]) {
			strbuf_addf(&p, "/%s", k->release);
			if (is_dir(p.buf))
				ret = 0;
		} else if ((n = only_entry(p.buf, "", rel, sizeof(rel))) == 1) {
			strbuf_addf(&p, "/%s", rel);
			if (moddir_like(p.buf))
				ret = 0;
		}
	}
	if (!ret && strlen(p.buf) < sizeof(k->moddir))
		snprintf(k->moddir, sizeof(k->moddir), "%s", p.buf);
	else
		strbuf_addf(err, "no modules of %s%s%s in '%s' (expected what 'make modules_install "
			    "INSTALL_MOD_PATH=%s' writes: lib/modules/<release>)",
			    k->release[0] ? "release '" : "the image", k->release, k->release[0] ? "'" : "", dir, dir);
	strbuf_release(&p);
	return ret ? -ENOENT : 0;
}

/* Module names compare with '-' and '_' alike, as the kernel's do. */
static void modname(const char *file, char *out, size_t outlen)
{
	const char *b = strrchr(file, '/');
	size_t i;

	b = b ? b + 1 : file;
	for (i = 0; b[i] && b[i] != '.' && i + 1 < outlen; i++)
		out[i] = b[i] == '-' ? '_' : b[i];
	out[i] = '\0';
}

struct modfile {
	char name[64];
	char *path;
};

struct modindex {
	struct modfile *f;
	size_t n, alloc;
};

/* Index the module files (*.ko, *.ko.{xz,gz,zst}) under dir, depth first. */
static void index_dir(struct modindex *ix, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d || depth > 16) {
		if (d)
			closedir(d);
		return;
	}
	while ((e = readdir(d))) {
		struct strbuf path = STRBUF_INIT;
		const char *ext = strstr(e->d_name, ".ko");
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		strbuf_addf(&path, "%s/%s", dir, e->d_name);
		if (lstat(path.buf, &st)) {
			strbuf_release(&path);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			index_dir(ix, path.buf, depth + 1);
		} else if (S_ISREG(st.st_mode) && ext &&
			   (!ext[3] || !strcmp(ext + 3, ".xz") || !strcmp(ext + 3, ".gz") || !strcmp(ext + 3, ".zst"))) {
			if (ix->n == ix->alloc) {
				ix->alloc = ix->alloc ? 2 * ix->alloc : 256;
				ix->f = realloc(ix->f, ix->alloc * sizeof(*ix->f));
				if (!ix->f)
					abort();
			}
			modname(e->d_name, ix->f[ix->n].name, sizeof(ix->f[ix->n].name));
			ix->f[ix->n].path = strbuf_detach(&path, NULL);
			ix->n++;
		}
		strbuf_release(&path);
	}
	closedir(d);
}

static const char *index_find(const struct modindex *ix, const char *name)
{
	size_t i;

	for (i = 0; i < ix->n; i++)
		if (!strcmp(ix->f[i].name, name))
			return ix->f[i].path;
	return NULL;
}

/* Whether modules.builtin (text) names module name. */
static bool builtin(const struct strbuf *list, const char *name)
{
	const char *p = list->buf;
	char n[64];

	while (*p) {
		const char *e = strchr(p, '\n');
		struct strbuf line = STRBUF_INIT;

		strbuf_add(&line, p, e ? (size_t)(e - p) : strlen(p));
		modname(line.buf, n, sizeof(n));
		strbuf_release(&line);
		if (!strcmp(n, name))
			return true;
		p = e ? e + 1 : p + strlen(p);
	}
	return false;
}

struct resolve {
	const struct modindex *ix;
	struct strbuf builtin;
	struct kmod *mods;
	size_t n;
	const char *moddir;
	struct strbuf *why;
	int depth;
};

static int load_module(const char *path, struct strbuf *data, struct strbuf *why)
{
	const char *ext = strrchr(path, '.');
	const char *tool = !strcmp(ext, ".xz") ? "xz" : !strcmp(ext, ".gz") ? "gzip" : !strcmp(ext, ".zst") ? "zstd" : NULL;
	int ret;

	if (!tool) {
		ret = strbuf_read_file(data, path, MODULE_MAX);
		if (ret)
			strbuf_addf(why, "cannot read '%s': %s", path, strerror(-ret));
		return ret;
	} else {
		const char *const argv[] = { tool, "-dc", NULL };

		ret = run_capture(argv, path, data, MODULE_MAX, "/dev/null", why);
		if (ret > 0) {
			strbuf_addf(why, "%s -dc '%s': exit %d", tool, path, ret);
			ret = -EINVAL;
		}
		return ret;
	}
}

static int resolve(struct resolve *r, const char *name)
{
	struct strbuf data = STRBUF_INIT;
	const char *path, *dep;
	size_t i;
	int ret = 0;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->mods[i].name, name))
			return 0;
	if (builtin(&r->builtin, name))
		return 0;
	if (++r->depth > 32) {
		strbuf_addf(r->why, "module dependencies nest too deeply at '%s'", name);
		return -ELOOP;
	}
	path = index_find(r->ix, name);
	if (!path) {
		strbuf_addf(r->why, "module '%s' is neither in '%s' nor built in", name, r->moddir);
		ret = -ENOENT;
		goto out;
	}
	ret = load_module(path, &data, r->why);
	if (ret)
		goto out;
	/* depends= in .modinfo: NUL-separated strings, the list comma-separated */
	dep = memmem(data.buf, data.len, "\0depends=", 9);
	if (dep) {
		const char *d = dep + 9, *end = memchr(d, '\0', data.len - (size_t)(d - data.buf));
		char one[64];

		while (end && d < end && !ret) {
			size_t len = strcspn(d, ",");

			if (len > (size_t)(end - d))
				len = (size_t)(end - d);
			if (len && len < sizeof(one)) {
				memcpy(one, d, len);
				one[len] = '\0';
				modname(one, one, sizeof(one));
				ret = resolve(r, one);
			}
			d += len + 1;
		}
		if (ret)
			goto out;
	}
	r->mods = realloc(r->mods, (r->n + 1) * sizeof(*r->mods));
	if (!r->mods)
		abort();
	snprintf(r->mods[r->n].name, sizeof(r->mods[r->n].name), "%s", name);
	r->mods[r->n].data = data;
	strbuf_init(&data, 0);
	r->n++;
out:
	r->depth--;
	strbuf_release(&data);
	return ret;
}

void kmod_free_all(struct kmod *mods, size_t n)
{
	while (n--)
		strbuf_release(&mods[n].data);
	free(mods);
}

int kimage_modules_9p(const struct kimage *k, struct kmod **mods, size_t *n, int *all_builtin, struct strbuf *why)
{
	static const char *const want[] = { "virtio_pci", "9pnet_virtio", "9p" };
	struct modindex ix = { 0 };
	struct resolve r = { 0 };
	struct strbuf p = STRBUF_INIT;
	size_t i;
	int ret = 0;

	*mods = NULL;
	*n = 0;
	*all_builtin = 0;
	if (!k->moddir[0]) {
		strbuf_addstr(why, "no modules given");
		return -ENOENT;
	}
	r.ix = &ix;
	r.moddir = k->moddir;
	r.why = why;
	strbuf_init(&r.builtin, 0);
	strbuf_addf(&p, "%s/modules.builtin", k->moddir);
	strbuf_read_file(&r.builtin, p.buf, 16 << 20); /* none: nothing built in that we know of */
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/kernel", k->moddir);
	index_dir(&ix, p.buf, 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]) && !ret; i++)
		ret = resolve(&r, want[i]);
	if (ret) {
		kmod_free_all(r.mods, r.n);
	} else {
		*mods = r.mods;
		*n = r.n;
		*all_builtin = r.n == 0;
	}
	for (i = 0; i < ix.n; i++)
		free(ix.f[i].path);
	free(ix.f);
	strbuf_release(&r.builtin);
	strbuf_release(&p);
	return ret;
}
