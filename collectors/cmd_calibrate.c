// SPDX-License-Identifier: GPL-2.0
/*
 * forkwatch calibrate: one benchmark of twice the runs, its interleaved
 * halves compared (collectors/calibrate.h), the profile written and
 * uploaded.  The benchmark is bench_main()'s, with its options.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/calibrate.h"
#include "collectors/cmd.h"
#include "lib/calib.h"
#include "lib/opt.h"

static const char calibrate_about[] =
	"What this machine can resolve: one benchmark of the running kernel with twice\n"
	"the runs, each case's runs split into interleaved halves (even against odd runs,\n"
	"so that drift hits both alike) and the halves compared as forkwatchd compares two\n"
	"kernels (budgets 1% for order-0, 2% for the others).  Nothing changed between\n"
	"the halves: a regression or gain is a false alarm.  Per case it reports the\n"
	"half-width of the interval (the smallest change these settings resolve) and the\n"
	"runs a side that +-1% and +-2% need at the spread measured.  --split sequential\n"
	"compares the first N runs with the last N instead (the same matrix twice): the\n"
	"machine's drift over the benchmark then counts, as it does between two kernels\n"
	"measured one after the other.\n\n"
	"--runs N is the runs of a half (the benchmark takes 2N); --json FILE|- writes the\n"
	"calibration profile (forkwatch-calibration/1), not the result document.  With\n"
	"--server the profile is uploaded (POST /api/v1/calibrations, the host token as\n"
	"for results) and the host page shows it; --no-upload skips that.  Exit: 0 done;\n"
	"1 the server refused the profile; 2 bad options or a local failure; 3 the server\n"
	"stayed unreachable; 4 it refused the token or the URL; 130 interrupted.";

/* argv for bench_main(): ours without --runs/--json (taken here), with --runs 2N. */
static char **bench_argv(int argc, char **argv, const char *runs, int *nargc)
{
	char **v = calloc((size_t)argc + 3, sizeof(*v));
	int i, n = 0;

	if (!v)
		abort();
	v[n++] = argv[0];
	for (i = 1; i < argc; i++) {
		/* calibrate's own options (opt_parse() checked them) */
		if (!strcmp(argv[i], "--runs") || !strcmp(argv[i], "--json") || !strcmp(argv[i], "--split")) {
			i++;
			continue;
		}
		if (!strncmp(argv[i], "--runs=", 7) || !strncmp(argv[i], "--json=", 7) ||
		    !strncmp(argv[i], "--split=", 8))
			continue;
		v[n++] = argv[i];
	}
	v[n++] = (char *)"--runs";
	v[n++] = (char *)runs;
	*nargc = n;
	return v;
}

int cmd_calibrate(int argc, char **argv)
{
	struct cmd_upload *u = cmd_upload_new();
	const char *json = NULL, *split = "interleaved";
	unsigned half = 8;
	bool no_upload = false;
	struct opt own[] = {
		{ OPT_UINT("runs", "N", &half, 3, (CALIB_RUNS_MAX / 2), "8", "runs of each half (the benchmark takes 2N)") },
		{ OPT_STRING("json", "FILE|-", &json, "write the calibration profile to FILE or standard output") },
		{ OPT_STRING("split", "interleaved|sequential", &split,
			     "halves of even and odd runs (default), or the first runs against the last") },
		{ OPT_FLAG("no-upload", &no_upload, "do not upload the profile, even with --server") },
		{ OPT_END },
	};
	struct opt extra[CMD_UPLOAD_OPTS + 2];
	struct strbuf doc = STRBUF_INIT, tbl = STRBUF_INIT, prof = STRBUF_INIT, err = STRBUF_INIT;
	char runs[16], **bargv = NULL;
	int ret, bargc, saved = -1;
	size_t n;

	n = cmd_upload_opts(u, extra);
	extra[0].help = "forkwatchd's URL: upload the profile (POST /api/v1/calibrations)";
	extra[n++] = own[3];
	memset(&extra[n], 0, sizeof(extra[n]));
	ret = opt_parse(own, argc, argv, OPT_PARSE_PICK, NULL, &err);
	if (!ret)
		ret = opt_parse(extra, argc, argv, OPT_PARSE_PICK, NULL, &err);
	if (ret < 0) {
		ret = cmd_say(2, "%s", err.buf);
		goto out;
	}
	if (strcmp(split, "interleaved") && strcmp(split, "sequential")) {
		ret = cmd_say(2, "--split '%s': expected interleaved or sequential", split);
		goto out;
	}
	snprintf(runs, sizeof(runs), "%u", 2 * half);
	bargv = bench_argv(argc, argv, runs, &bargc);
	if (ret == 1) {
		ret = bench_main(argc, argv, extra,
				 "forkwatch calibrate [--server URL [--token-file FILE]] [--no-upload]\n         ",
				 calibrate_about, NULL);
		goto out;
	}
	/* the server and the token before a benchmark of many minutes */
	if (cmd_upload_wanted(u) && !no_upload && (ret = cmd_upload_open(u, "calibrate", NULL)))
		goto out;
	if (json && !strcmp(json, "-")) {
		/* standard output holds the profile alone: the tables go to standard error */
		fflush(stdout);
		saved = dup(STDOUT_FILENO);
		if (saved < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
			ret = cmd_say(2, "cannot redirect standard output: %s", strerror(errno));
			goto out;
		}
	}
	ret = bench_main(bargc, bargv, extra, "forkwatch calibrate", calibrate_about, &doc);
	if (ret || !doc.len)
		goto out;
	if (calibrate_doc(doc.buf, doc.len, !strcmp(split, "sequential"), &tbl, &prof, &err)) {
		ret = cmd_say(2, "%s", err.buf);
		goto out;
	}
	fputs(tbl.buf, stdout);
	fflush(stdout);
	if (saved >= 0) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
		saved = -1;
	}
	if (json && (ret = cmd_write_json(json, &prof)))
		goto out;
	if (!cmd_upload_wanted(u) || no_upload) {
		fprintf(stderr, "forkwatch: the profile was not uploaded (%s)\n",
			no_upload ? "--no-upload" : "no --server");
		goto out;
	}
	ret = cmd_upload_post(u, "calibration", "/api/v1/calibrations", prof.buf, prof.len);
out:
	if (saved >= 0) {
		fflush(stdout);
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	free(bargv);
	cmd_upload_free(u);
	strbuf_release(&doc);
	strbuf_release(&tbl);
	strbuf_release(&prof);
	strbuf_release(&err);
	return ret;
}
