/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_CMD_H
#define FW_CMD_H

#include <stdbool.h>
#include <stddef.h>

struct opt;
struct strbuf;

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
/* forkwatch calibrate (cmd_calibrate.c). */
int cmd_calibrate(int argc, char **argv);

/*
 * The bench command with a caller's extra options (their values are set
 * through the opt table like any other; the table ends with a NULL name).
 * synopsis_extra/about_extra start the --help text.  When doc is not
 * NULL, the result document is appended to it after a successful run.
 * Returns the exit code: 0 when the benchmark ran (a layout mismatch is
 * in the result, not an error), 0 also after --help (doc then empty).
 */
int bench_main(int argc, char **argv, const struct opt *extra, const char *synopsis_extra,
	       const char *about_extra, struct strbuf *doc);

/*
 * What 'forkwatch run' does with its document, for documents made
 * elsewhere (forkwatch vm and ab, cmd_vm.c): check the server and the
 * token before any work, spool each document (fsync'ed), deliver the
 * spool.  cmd_upload_opts() writes run's options (--server,
 * --token-file, --spool, --retry-for, --cacert, --timeout: CMD_UPLOAD_OPTS
 * of them) at opts, pointing into u.  The int functions return an exit
 * code, having said why on standard error; open uses default_token_file
 * without --token-file (NULL: $FORKWATCH_STATE_DIR/host.token).
 */
#define CMD_UPLOAD_OPTS 6
struct cmd_upload;
struct cmd_upload *cmd_upload_new(void);
void cmd_upload_free(struct cmd_upload *u);
size_t cmd_upload_opts(struct cmd_upload *u, struct opt *opts);
bool cmd_upload_wanted(const struct cmd_upload *u);
int cmd_upload_open(struct cmd_upload *u, const char *cmd, const char *default_token_file);
int cmd_upload_spool(struct cmd_upload *u, const char *doc, size_t len);
int cmd_upload_flush(struct cmd_upload *u);
/*
 * POST doc to path (e.g. /api/v1/calibrations) with the host token,
 * retried as an upload is, not spooled; what names it in messages.
 * Returns an exit code as the other upload commands' (0 taken, 1 refused
 * for good, 3 unreachable, 4 the token or URL refused), having said why.
 */
int cmd_upload_post(struct cmd_upload *u, const char *what, const char *path, const char *doc, size_t len);

/* forkwatch vm, ab, and the guest's console-send (cmd_vm.c). */
int cmd_vm(int argc, char **argv);
int cmd_ab(int argc, char **argv);
int cmd_console_send(int argc, char **argv);

/*
 * Write doc to path ("-": standard output) through a temporary file and a
 * rename, never half-written; returns 0 or 2 (the exit code) having said why.
 */
int cmd_write_json(const char *path, const struct strbuf *doc);

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
