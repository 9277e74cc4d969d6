/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_INITRAMFS_H
#define FW_INITRAMFS_H

#include <stddef.h>

#include "lib/strbuf.h"

/*
 * An initramfs in memory: a cpio archive in the "newc" format the kernel
 * unpacks (Documentation/driver-api/early-userspace/buffer-format.rst),
 * uncompressed, so that any kernel with CONFIG_BLK_DEV_INITRD takes it
 * whatever decompressors it was built with.  Paths are relative, without
 * a leading '/', parents added before their children.  Owner root,
 * modification time 0: the same files give the same bytes.
 */
struct initramfs {
	struct strbuf buf;
	unsigned ino;
};

void initramfs_init(struct initramfs *ir);
void initramfs_dir(struct initramfs *ir, const char *path, unsigned mode);
void initramfs_file(struct initramfs *ir, const char *path, unsigned mode, const void *data, size_t len);
/* A character device node (mode without S_IFCHR). */
void initramfs_chardev(struct initramfs *ir, const char *path, unsigned mode, unsigned major, unsigned minor);
/* The trailer: the archive in ir->buf is complete. */
void initramfs_finish(struct initramfs *ir);
void initramfs_release(struct initramfs *ir);

#endif
