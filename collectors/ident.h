/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_IDENT_H
#define FW_IDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/jsonw.h"

/* Which kernel and which machine a result belongs to. */

#define IDENT_SHA_MAX 41

struct kernel_ident {
	char release[256];        /* uname -r */
	char version[512];        /* /proc/version */
	char commit[IDENT_SHA_MAX];        /* from --kernel-commit or the release's -g<sha> */
	char parent_commit[IDENT_SHA_MAX]; /* from --parent-commit, else empty */
	const char *commit_source;         /* "option", "release" or NULL */
	bool dirty;               /* the release ends in -dirty */
	char build_id[129];       /* hex GNU build-id from /sys/kernel/notes, or empty */
};

struct host_ident {
	char hostname[256];
	char arch[65];
	char cpu_model[256];
	long cpus;
	uint64_t mem_bytes;
	long page_size;
	char thp_enabled[32];     /* top-level transparent_hugepage/enabled choice */
	char thp_defrag[32];
	char thp_sizes[512];      /* "64kB=never 2048kB=inherit ..." */
	char governor[64];        /* cpufreq governor of cpu0, or empty */
	double loadavg[3];
};

/*
 * Find the commit that CONFIG_LOCALVERSION_AUTO put in a release string
 * ("6.8.0-rc3-00042-gdeadbeef1234", "-dirty" after it).  commit receives
 * the hex digits (at least 12) or "" when there are none.  Pure.
 */
void ident_parse_release(const char *release, char commit[IDENT_SHA_MAX], bool *dirty);

/*
 * Find the GNU build-id in the ELF notes of /sys/kernel/notes (a sequence
 * of Elf_Nhdr, name and descriptor each padded to 4 bytes) and write it as
 * lower-case hex.  Pure.  Returns 0 or -ENOENT.
 */
int ident_parse_notes(const unsigned char *buf, size_t len, char *hex, size_t hexlen);

/*
 * The CPU model named by /proc/cpuinfo text of len bytes (a NUL byte ends
 * it): the first "model name", else, as on arm64, "implementer <CPU
 * implementer> part <CPU part>"; "" when it names neither.  Copies at most
 * outlen-1 bytes.  Pure.
 */
void ident_parse_cpuinfo(const char *text, size_t len, char *out, size_t outlen);

/* True when s is 7 to 40 hex digits. */
bool ident_valid_sha(const char *s);

/* Fill from the running system; never fails, leaves empty what it cannot read. */
void ident_kernel_read(struct kernel_ident *k);
void ident_host_read(struct host_ident *h);

void ident_kernel_json(const struct kernel_ident *k, struct jw *jw);
void ident_host_json(const struct host_ident *h, struct jw *jw);

#endif
