/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_KIMAGE_H
#define FW_KIMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strbuf.h"

/*
 * A kernel for forkwatch vm to boot: a bare image (arch/x86/boot/bzImage,
 * arch/arm64/boot/Image or Image.gz) with the modules of
 * 'make modules_install INSTALL_MOD_PATH=DIR', or a Debian kernel package
 * (as 'make bindeb-pkg' writes it or as Debian ships it) holding both.
 * What the image says of itself (its architecture and release) is read
 * here; what the running kernel says (uname, build-id) is the guest's to
 * report.
 */

#define KIMAGE_PATH_MAX 4096

struct kimage {
	char arch[16];               /* "x86_64" or "aarch64" */
	const char *format;          /* "bzImage", "Image" or "Image.gz" */
	char release[256];           /* what uname -r will say; "" when the image does not tell */
	char path[KIMAGE_PATH_MAX];  /* the file qemu boots */
	char moddir[KIMAGE_PATH_MAX]; /* its lib/modules/<release>, "" when none */
};

/*
 * Identify an image from len bytes of it: all of it for an uncompressed
 * arm64 Image (its release is in its banner, anywhere in it), the first
 * 64 KiB suffice for a bzImage; for a gzip-compressed Image, the
 * decompressed bytes (compressed says 1 in *gzip and nothing else).
 * whole_file says buf is all of the file: then a bzImage shorter than its
 * header says is refused as cut short.  Fills arch, format and release.
 * Returns 0, or -ENOEXEC with err saying what the bytes are instead.  Pure.
 */
int kimage_identify(const unsigned char *buf, size_t len, bool whole_file, int *gzip, struct kimage *k,
		    struct strbuf *err);

/*
 * Open the image at path (decompressing a gzip-compressed one with
 * 'gzip -dc' to read it) and fill k; moddir stays empty.  Returns 0, or a
 * negative errno with err set: -ENOENT, -ENOEXEC (not a kernel image).
 */
int kimage_open(const char *path, struct kimage *k, struct strbuf *err);

/*
 * Unpack the image, the modules list files and the modules a virtio 9p
 * share needs (fs/9p, net/9p, fs/netfs, fs/fscache, drivers/virtio) of the
 * Debian package deb under dir (created), then kimage_open() the image.
 * The package's data.tar.* is unpacked by tar, which picks its
 * decompressor (xz, zstd, gzip) itself.  Returns 0 or a negative errno
 * with err set.
 */
int kimage_from_deb(const char *deb, const char *dir, struct kimage *k, struct strbuf *err);

/*
 * Set k->moddir from dir: DIR/lib/modules/<release> (INSTALL_MOD_PATH),
 * DIR/usr/lib/modules/<release>, DIR/<release>, or DIR itself when it
 * holds modules.builtin or kernel/.  Where DIR holds several releases,
 * the image's release picks one.  Returns 0, or -ENOENT with err.
 */
int kimage_set_moddir(struct kimage *k, const char *dir, struct strbuf *err);

/* A module to load in the guest: its name and its bytes (decompressed). */
struct kmod {
	char name[64];
	struct strbuf data;
};

/*
 * The modules that make a virtio 9p share work (virtio_pci, 9pnet_virtio,
 * 9p) with their dependencies (from each module's depends=), in load
 * order, from k->moddir: *mods (free with kmod_free_all) and *n.  None
 * need loading when all are built in (modules.builtin): *n = 0 and *builtin
 * 1.  Returns 0, or -ENOENT with why set when a module is neither there
 * nor built in (then no 9p for this kernel: not an error for the caller).
 */
int kimage_modules_9p(const struct kimage *k, struct kmod **mods, size_t *n, int *builtin, struct strbuf *why);
void kmod_free_all(struct kmod *mods, size_t n);

#endif
