/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_CMD_H
#define FW_CMD_H

/* Sub-commands of forkwatch: each takes argc/argv after its name and returns the exit code. */
int cmd_bench(int argc, char **argv);
int cmd_restore(int argc, char **argv);

/* Where journal and lock live: $FORKWATCH_STATE_DIR or /var/lib/forkwatch. */
const char *cmd_state_dir(void);

#define THP_SYSFS_DIR "/sys/kernel/mm/transparent_hugepage"

#endif
