// SPDX-License-Identifier: GPL-2.0
/* forkwatch: the lab-machine side of forkwatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/cmd.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "bench", cmd_bench, "run the fork/munmap benchmark per folio layout under perf counters" },
	{ "restore", cmd_restore, "restore THP and --tune knobs left changed by a killed run" },
	{ "check", cmd_check, "report the machine's noise sources (DAMON, khugepaged, governor, ...)" },
	{ "calibrate", cmd_calibrate, "what this machine resolves: an A/A comparison of interleaved halves" },
	{ "run", cmd_run, "bench, spool the result, and upload the spool to forkwatchd" },
	{ "agent", cmd_agent, "once per boot: upload the spool, bench the kernel unless it has results" },
	{ "register", cmd_register, "register this machine with forkwatchd and keep its host token" },
	{ "hosts", cmd_hosts, "list, rename or retire the machines forkwatchd knows" },
	{ "compare", cmd_compare, "compare two kernels on one lab machine (forkwatchd's /compare.txt)" },
	{ "vm", cmd_vm, "boot a built kernel under qemu and bench it there" },
	{ "ab", cmd_ab, "interleaved boots of a base and a head kernel under qemu, compared" },
	{ "console-send", cmd_console_send, "(in forkwatch vm's guest) send a file over the console, framed" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: forkwatch <command> [options]\n\n"
		   "forkwatch measures how fast fork(), munmap(), mprotect(), mremap() and\n"
		   "madvise(MADV_DONTNEED) copy, zap, protect and move the page tables of 1 GiB of\n"
		   "memory per folio layout, with the perf counters that explain it.\n\n"
		   "commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'forkwatch <command> --help' describes a command.  forkwatch %s\n",
		FORKWATCH_VERSION);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("forkwatch %s\n", FORKWATCH_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "forkwatch: unknown command '%s': see 'forkwatch --help'\n", argv[1]);
	return 2;
}
