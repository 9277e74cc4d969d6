/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_CMD_H
#define FW_CMD_H

#include <stddef.h>

/* Sub-commands of forkwatch: each takes argc/argv after its name and returns the exit code. */
int cmd_bench(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_check(int argc, char **argv);
/* Uploads (cmd_upload.c); without libcurl each says so in one line and exits 2. */
int cmd_register(int argc, char **argv);
int cmd_hosts(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_agent(int argc, char **argv);

/*
 * The bench command with a caller's extra options (their values are set
 * through the opt table like any other; the table ends with a NULL name).
 * synopsis_extra/about_extra start the --help text.  When doc is not
 * NULL, the result document is appended to it after a successful run.
 * Returns the exit code: 0 when the benchmark ran (a layout mismatch is
 * in the result, not an error), 0 also after --help (doc then empty).
 */
struct opt;
struct strbuf;
int bench_main(int argc, char **argv, const struct opt *extra, const char *synopsis_extra,
	       const char *about_extra, struct strbuf *doc);

/* "forkwatch: <message>" on standard error, one line; returns code (the exit code). */
int cmd_say(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Where journal and lock live: $FORKWATCH_STATE_DIR or /var/lib/forkwatch. */
const char *cmd_state_dir(void);

/*
 * Under which directory forkwatch check and the bench's noise snapshot
 * and --tune read /proc and /sys: $FORKWATCH_SYSROOT (tests) or "/".
 */
const char *cmd_sysroot(void);
/* The CPUID hypervisor signature when root is "/" (see noise_cpuid_hypervisor()), else "". */
void cmd_hypervisor_cpuid(const char *root, char *out, size_t len);

#endif
