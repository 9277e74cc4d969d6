// SPDX-License-Identifier: GPL-2.0
/* forkwatchd migrate: one database copied into another, verified. */
#include "daemon/migrate.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "daemon/store.h"
#include "lib/clock.h"
#include "lib/opt.h"

static const char about[] =
	"Copy a forkwatchd database into another, say its SQLite file into PostgreSQL,\n"
	"in one transaction of the target, then check that every table holds as many\n"
	"rows with the same checksum on both sides.  Both are brought to this\n"
	"forkwatchd's schema first (the source too: stop the forkwatchd using it).\n"
	"Tables already copied whole are left as they are, so running it twice is\n"
	"harmless; a target table holding other rows is refused and nothing copied.";

static void line(void *ctx, const char *text)
{
	(void)ctx;
	printf("  %s\n", text);
	fflush(stdout);
}

int migrate_command(int argc, char **argv)
{
	const char *from = NULL, *to = NULL;
	const struct opt opts[] = {
		{ OPT_STRING("from", "DB", &from, "the database to copy: an SQLite file (PATH or sqlite:PATH)") },
		{ OPT_STRING("to", "DB", &to, "where to: postgresql://user@host/db (or another SQLite file)") },
		{ OPT_END },
	};
	struct strbuf err = STRBUF_INIT, a = STRBUF_INIT, b = STRBUF_INIT;
	struct store *src = NULL, *dst = NULL;
	double t0;
	int ret = 1;

	switch (opt_parse(opts, argc, argv, 0, NULL, &err)) {
	case 0:
		break;
	case 1:
		opt_usage(stdout, "forkwatchd migrate --from PATH.db --to postgresql://user@host/db",
			  about, opts);
		return 0;
	default:
		fprintf(stderr, "forkwatchd migrate: %s: see 'forkwatchd migrate --help'\n", err.buf);
		strbuf_release(&err);
		return 2;
	}
	if (!from || !to) {
		fprintf(stderr, "forkwatchd migrate: needs --from and --to: see 'forkwatchd migrate --help'\n");
		return 2;
	}
	store_db_describe(from, &a);
	store_db_describe(to, &b);
	if (!strcmp(a.buf, b.buf)) {
		fprintf(stderr, "forkwatchd migrate: --from and --to are one database '%s'\n", a.buf);
		ret = 2;
		goto out;
	}
	if (store_open(&src, from, &err) || store_open(&dst, to, &err)) {
		fprintf(stderr, "forkwatchd migrate: %s\n", err.buf);
		goto out;
	}
	printf("forkwatchd migrate: %s -> %s (schema version %d)\n", a.buf, b.buf,
	       store_schema_version(src));
	t0 = clock_mono_s();
	if (store_copy(src, dst, line, NULL, &err)) {
		fprintf(stderr, "forkwatchd migrate: %s\n", err.buf);
		goto out;
	}
	printf("forkwatchd migrate: done in %.1f s\n", clock_mono_s() - t0);
	ret = 0;
out:
	store_close(dst);
	store_close(src);
	strbuf_release(&a);
	strbuf_release(&b);
	strbuf_release(&err);
	return ret;
}
