// SPDX-License-Identifier: GPL-2.0
/* forkwatch check: the machine's noise sources, each with its state and advice. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collectors/cmd.h"
#include "collectors/noise.h"
#include "lib/jsonw.h"
#include "lib/opt.h"

const char *cmd_sysroot(void)
{
	const char *r = getenv("FORKWATCH_SYSROOT");

	return r && *r ? r : "/";
}

void cmd_hypervisor_cpuid(const char *root, char *out, size_t len)
{
	/* CPUID describes the running machine, not a tree of files standing in for it */
	if (strcmp(root, "/"))
		out[0] = '\0';
	else
		noise_cpuid_hypervisor(out, len);
}

static const char check_about[] =
	"Report every known source of benchmark noise on this machine, with its state\n"
	"and one line of advice: DAMON kdamonds and their schemes, khugepaged, KSM,\n"
	"NUMA balancing, THP enabled/defrag, the cpufreq governor and boost, SMT\n"
	"siblings of the CPUs in use, isolated CPUs, load, steal time, and a hypervisor.\n"
	"Steal time and how busy other work keeps the CPUs are sampled over --interval.\n"
	"Every result document carries the same snapshot; 'forkwatch bench --tune'\n"
	"quiets what a knob can quiet, for the length of a run.\n\n"
	"Exit status: 0 when the machine is quiet, 1 when something will add noise,\n"
	"2 on errors.  $FORKWATCH_SYSROOT reads /proc and /sys under another\n"
	"directory (tests).";

int cmd_check(int argc, char **argv)
{
	const char *cpus_s = NULL;
	double interval;
	bool json = false;
	const struct opt opts[] = {
		{ OPT_REAL("interval", "SECONDS", &interval, 0, 3600, "1",
			   "sample steal time and CPU use for this long; 0: do not"),
		  .expect = "expected seconds from 0 to 3600" },
		{ OPT_STRING("cpus", "LIST", &cpus_s,
			     "the CPUs the benchmark will use, e.g. 0-3,8 (default: every online CPU)") },
		{ OPT_FLAG("json", &json, "print the snapshot as the result document's \"noise\" object") },
		{ OPT_END },
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct noise_snapshot s = { 0 };
	struct noise_cpuset cpus;
	const char *root = cmd_sysroot();
	char cpuid[32];
	int ret;

	ret = opt_parse(opts, argc, argv, 0, NULL, &err);
	if (ret == 1) {
		opt_usage(stdout, "forkwatch check [--interval SECONDS] [--cpus LIST] [--json]", check_about,
			  opts);
		ret = 0;
		goto out;
	}
	if (ret == -EINVAL) {
		ret = cmd_say(2, "%s: see 'forkwatch check --help'", err.buf);
		goto out;
	}
	if (ret) {
		ret = cmd_say(2, "%s", err.buf);
		goto out;
	}
	if (cpus_s && (noise_cpuset_parse(cpus_s, &cpus) || !noise_cpuset_count(&cpus))) {
		ret = cmd_say(2, "--cpus '%s': expected a CPU list like 0-3,8", cpus_s);
		goto out;
	}
	cmd_hypervisor_cpuid(root, cpuid, sizeof(cpuid));
	ret = noise_snapshot_read(&s, root, cpus_s ? &cpus : NULL, cpuid, &err);
	if (ret) {
		ret = cmd_say(2, "check: %s", err.len ? err.buf : strerror(-ret));
		goto out;
	}
	if (interval > 0) {
		struct timespec ts = { (time_t)interval, (long)((interval - (double)(time_t)interval) * 1e9) };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
		noise_snapshot_finish(&s, true);
	}
	if (json) {
		struct jw jw;

		jw_init(&jw, &out);
		noise_json(&s, &jw, NULL);
		strbuf_addch(&out, '\n');
	} else {
		noise_report(&s, &out);
	}
	fputs(out.buf, stdout);
	if (fflush(stdout)) {
		ret = cmd_say(2, "writing the report: %s", strerror(errno));
		goto out;
	}
	ret = noise_count_noisy(&s, NULL) ? 1 : 0;
out:
	noise_snapshot_release(&s);
	strbuf_release(&out);
	strbuf_release(&err);
	return ret;
}
