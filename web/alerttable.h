/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_ALERTTABLE_H
#define FW_ALERTTABLE_H

#include <stdbool.h>

#include "daemon/store.h"
#include "lib/strbuf.h"

/*
 * The table of alerts that / (the open regressions) and /alerts (all,
 * filtered, with triage) show: its head (actions: a triage column), and
 * one alert as a row; with csrf, the row's triage form, which comes back
 * to /alerts with the query string back.  The caller closes the table
 * with "</tbody></table></div>".
 */
void page_alerts_table_begin(struct strbuf *sb, bool actions);
void page_alert_row(struct strbuf *sb, const struct store_alert *a, const char *csrf,
		    const char *back);

#endif
