// SPDX-License-Identifier: GPL-2.0
/*
 * Calibration profiles (store.h): what a lab machine can resolve, as
 * `forkwatch calibrate` uploaded it (lib/calib.h), one row each, the
 * document kept whole.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/store-internal.h"
#include "lib/calib.h"

static const struct store_query q_calib_owner = {
	.sql = "SELECT host_id FROM calibrations WHERE uuid = ?1"
};

static const struct store_query q_calib_insert = {
	.sql = "INSERT INTO calibrations (uuid, host_id, received_at, finished_at, release, commit_sha, doc) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (uuid) DO NOTHING"
};

static const struct store_query q_calib_latest = {
	.sql = "SELECT doc, received_at FROM calibrations WHERE host_id = ?1 "
	"ORDER BY id DESC LIMIT 1"
};

/* the host's profiles beyond the newest STORE_CALIBRATIONS_KEEP */
static const struct store_query q_calib_prune = {
	.sql = "DELETE FROM calibrations WHERE host_id = ?1 AND id NOT IN (SELECT id FROM calibrations "
	"WHERE host_id = ?1 ORDER BY id DESC LIMIT " STR(STORE_CALIBRATIONS_KEEP) ")"
};

static int calib_owner(struct store *st, const char *uuid, int64_t *host_id)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_calib_owner, &s);

	if (err)
		return err;
	bind_text(s, 1, uuid);
	return row_i64(s, host_id);
}

int store_calibration_put(struct store *st, int64_t host_id, const char *uuid, const char *finished_at,
			  const char *release, const char *commit, const char *doc, bool *existed)
{
	struct store_stmt *s;
	int64_t owner, changed = 0;
	int err;

	*existed = false;
	err = calib_owner(st, uuid, &owner);
	if (err && err != -ENOENT)
		return err;
	if (!err)
		goto known;
	err = stmt_get(st, &q_calib_insert, &s);
	if (err)
		return err;
	bind_text(s, 1, uuid);
	bind_i64(s, 2, host_id);
	bind_i64(s, 3, store_now());
	bind_text(s, 4, finished_at);
	bind_text(s, 5, release);
	bind_text_nz(s, 6, commit);
	bind_text(s, 7, doc);
	err = stmt_exec(s, &changed);
	if (err)
		return err;
	if (changed) {
		/*
		 * bounded per host: a machine calibrating in a loop cannot fill
		 * the disk.  The profile is stored whatever the pruning does: a
		 * failure here leaves one more row, which the next upload prunes.
		 */
		if (!stmt_get(st, &q_calib_prune, &s)) {
			bind_i64(s, 1, host_id);
			stmt_exec(s, NULL);
		}
		return 0;
	}
	/* another upload of the same uuid came first */
	err = calib_owner(st, uuid, &owner);
	if (err)
		return err;
known:
	if (owner != host_id)
		return store_fail(st, -EEXIST, "calibration '%s' is stored for another host", uuid);
	*existed = true;
	return 0;
}

struct latest {
	struct strbuf *doc;
	int64_t received_at;
};

static int read_latest(struct store_stmt *s, void *ctx)
{
	struct latest *l = ctx;
	size_t len;
	const void *text = col_blob(s, 0, &len); /* the stored text as it is, read once */

	strbuf_add(l->doc, text, len);
	l->received_at = col_i64(s, 1);
	return 0;
}

int store_calibration_latest(struct store *st, int64_t host_id, struct strbuf *doc, int64_t *received_at)
{
	struct latest l = { doc, 0 };
	struct store_stmt *s;
	int err = stmt_get(st, &q_calib_latest, &s);

	if (!err) {
		bind_i64(s, 1, host_id);
		err = row_one(s, read_latest, &l);
	}
	if (!err && received_at)
		*received_at = l.received_at;
	return err;
}
