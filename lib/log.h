/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_LOG_H
#define FW_LOG_H

/*
 * Levelled logging to standard error, one line per call, for programs'
 * top levels (library code returns errors instead).  Lines look like
 * "forkwatchd: warn: ..." so that journald and a terminal both read well.
 * Never pass secrets: nothing here filters them.
 */
enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_init(const char *prog, enum log_level level);
/* "error", "warn", "info", "debug"; returns -1 for anything else. */
int log_level_parse(const char *s);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
