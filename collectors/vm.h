/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_VM_H
#define FW_VM_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "collectors/ident.h"
#include "collectors/kimage.h"
#include "lib/strbuf.h"

/*
 * forkwatch vm's machinery: a kernel booted under qemu with a guest user
 * space of Debian's static busybox and the static forkwatch of the
 * guest's architecture, which runs 'forkwatch bench' and sends its result
 * document back, then powers off.  No network.
 *
 * The document comes back over the serial console, framed (lib/frame.h),
 * which needs no module; over a virtio 9p share when the kernel has 9p
 * (built in, or its modules given): then the console carries only the
 * guest's status.  Every boot gets a fresh nonce, so nothing stale or
 * foreign on the console is taken for its result.
 */

/* The guest's user space for one architecture: two static executables. */
struct vm_guest {
	char arch[16];
	struct strbuf forkwatch, busybox;
	char forkwatch_path[KIMAGE_PATH_MAX], busybox_path[KIMAGE_PATH_MAX];
};

/*
 * Find and read the static forkwatch and busybox of arch.  fw and bb
 * (options) are taken as given; else, in order, $FORKWATCH_GUEST_DIR/<arch>/,
 * the build tree around this forkwatch (build/<arch>-static/forkwatch or
 * build/aarch64/forkwatch, build/deps/guest-<debian arch>/bin/busybox,
 * what 'make STATIC=1', 'make ARCH=aarch64' and 'scripts/deps.sh test'
 * make), /usr/lib/forkwatch/guest/<arch>/, and for busybox /bin/busybox
 * when it is a static one of arch.  Each must be a static ELF executable
 * of arch.  Returns 0 or -ENOENT/-ENOEXEC with err saying what to do.
 */
int vm_guest_load(struct vm_guest *g, const char *arch, const char *fw, const char *bb, struct strbuf *err);
void vm_guest_release(struct vm_guest *g);

/* One kernel, prepared once for any number of boots. */
struct vm_kernel {
	struct kimage img;
	const char *input;        /* "deb" or "image" */
	struct kmod *mods;        /* to load for 9p, in order */
	size_t nmods;
	bool p9;                  /* a 9p share can work: modules found, or built in */
	char no9p[512];           /* why not, when not */
};

/*
 * From a Debian package (deb, unpacked under dir) or an image with an
 * optional modules directory.  Returns 0 or a negative errno with err set.
 */
int vm_kernel_prepare(struct vm_kernel *k, const char *deb, const char *image, const char *modules,
		      const char *dir, struct strbuf *err);
void vm_kernel_release(struct vm_kernel *k);

/* How every boot of a session runs. */
struct vm_machine {
	char arch[16];            /* the guest's: "x86_64" or "aarch64" */
	char accel[8];            /* "kvm" or "tcg" */
	char qemu[32];            /* qemu-system-<arch> */
	char qemu_version[128];   /* "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)" */
	unsigned cpus;
	uint64_t mem_bytes;
	unsigned boot_timeout;    /* s to reach the guest's init; 0: none */
	unsigned guest_timeout;   /* s for the whole boot; 0: none */
	const char *append;       /* more kernel command line, or NULL */
	char hostname[64];        /* the guest's: host.hostname of its documents */
	struct host_ident host;   /* the machine qemu runs on */
	char session[37];         /* a UUID shared by the boots of one vm or ab */
	const char *workdir;      /* scratch space of the session */
};

/*
 * Pick the accelerator ("auto": kvm where /dev/kvm opens and the guest's
 * arch is the host's, else tcg; "kvm" fails where it cannot work), find
 * qemu-system-<arch> and its version, read the host, make a session UUID.
 * Fills all but cpus, mem_bytes, the timeouts, append, hostname and
 * workdir.  Returns 0 or a negative errno with err set.
 */
int vm_machine_setup(struct vm_machine *m, const char *arch, const char *accel, struct strbuf *err);

/* One boot. */
struct vm_boot {
	const char *const *bench_argv; /* forkwatch bench's options for the guest */
	int bench_argc;
	unsigned boot;            /* this kernel's boot number (0 first) */
	unsigned boots;           /* boots of this kernel in the session */
	unsigned seq;             /* the session's boot number, whatever the kernel */
	const char *role;         /* "base", "head" or NULL */
	const char *console_log;  /* keep the console log here too, or NULL */
	volatile sig_atomic_t *stop; /* set by a signal: end the guest, return -EINTR */
};

struct vm_result {
	struct strbuf doc;        /* the result document, host.vm added */
	struct strbuf table;      /* the guest's bench table */
	struct strbuf console;    /* where the console log is kept (failures, --console-log) */
	const char *channel;      /* "9p" or "console" */
	double boot_s;            /* guest uptime when its init started */
	double bench_s;           /* the bench in the guest */
	double wall_s;            /* qemu started to qemu ended */
};

void vm_result_init(struct vm_result *r);
void vm_result_release(struct vm_result *r);

/*
 * Boot kernel k on machine m with guest g, run the bench, bring the
 * document back.  Returns 0, -EINTR when stopped, or another negative
 * errno with err one line saying what went wrong (a panic, a hang, a
 * kernel without THP or pagemap, the guest's bench failing, qemu failing)
 * and naming the file that keeps the console log.
 */
int vm_run(const struct vm_machine *m, const struct vm_kernel *k, const struct vm_guest *g,
	   const struct vm_boot *b, struct vm_result *res, struct strbuf *err);

/*
 * Insert member key with value json (JSON text) first into the
 * document's top-level "host" object.  doc must be valid JSON.  Returns 0, or
 * -EINVAL when it has no host object.  Pure.
 */
int vm_doc_add_host_member(struct strbuf *doc, const char *key, const char *json);

/* Remove a directory tree (the session's scratch space); errors are ignored. */
void vm_rm_rf(const char *path);

#endif
