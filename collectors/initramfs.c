// SPDX-License-Identifier: GPL-2.0
/* An uncompressed newc cpio archive for the kernel to unpack as its initramfs. */
#include <string.h>
#include <sys/stat.h>

#include "collectors/initramfs.h"

void initramfs_init(struct initramfs *ir)
{
	strbuf_init(&ir->buf, 0);
	ir->ino = 1;
}

static void pad4(struct strbuf *sb)
{
	while (sb->len % 4)
		strbuf_addch(sb, '\0');
}

static void entry(struct initramfs *ir, const char *path, unsigned mode, unsigned rmajor, unsigned rminor,
		  const void *data, size_t len)
{
	size_t namesize = strlen(path) + 1;

	/* magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check */
	strbuf_addf(&ir->buf, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ir->ino++, mode, 0u, 0u,
		    S_ISDIR(mode) ? 2u : 1u, 0u, (unsigned)len, 0u, 0u, rmajor, rminor, (unsigned)namesize, 0u);
	strbuf_add(&ir->buf, path, namesize);
	pad4(&ir->buf);
	strbuf_add(&ir->buf, data, len);
	pad4(&ir->buf);
}

void initramfs_dir(struct initramfs *ir, const char *path, unsigned mode)
{
	entry(ir, path, S_IFDIR | (mode & 07777), 0, 0, "", 0);
}

void initramfs_file(struct initramfs *ir, const char *path, unsigned mode, const void *data, size_t len)
{
	entry(ir, path, S_IFREG | (mode & 07777), 0, 0, data, len);
}

void initramfs_chardev(struct initramfs *ir, const char *path, unsigned mode, unsigned major, unsigned minor)
{
	entry(ir, path, S_IFCHR | (mode & 07777), major, minor, "", 0);
}

void initramfs_finish(struct initramfs *ir)
{
	entry(ir, "TRAILER!!!", 0, 0, 0, "", 0);
}

void initramfs_release(struct initramfs *ir)
{
	strbuf_release(&ir->buf);
}
