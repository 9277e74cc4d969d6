// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs choice files ("always [madvise] never": knob_parse_choice) and
 * the knob journal a killed run leaves (knob_journal_parse), from
 * collectors/knob.c.
 *
 * What the journal yields is written back as root at the next start, so
 * knob.h promises that a damaged or hostile journal cannot name a path
 * outside the knobs' directory: no entry may leave the prefix, by ".."
 * or otherwise.
 */
#include "fuzz.h"
#include "collectors/knob.h"

#define PREFIX "/sys/kernel/mm/transparent_hugepage"

/* Whether path, under PREFIX "/", names something inside PREFIX: no ".." component. */
static bool inside(const char *path)
{
	const char *p = path + strlen(PREFIX);

	if (strncmp(path, PREFIX "/", strlen(PREFIX) + 1))
		return false;
	while ((p = strstr(p, "/..")))
		if (p[3] == '/' || p[3] == '\0')
			return false;
		else
			p += 3;
	return true;
}

/* --tune's other places (tune_places() with root "/"): a directory and a single file */
#define DAMON "/sys/kernel/mm/damon/admin/kdamonds"
#define KSM_RUN "/sys/kernel/mm/ksm/run"

/* Whether path lies under dir "/" with no ".." component. */
static bool below(const char *dir, const char *path)
{
	const char *p = path + strlen(dir);

	if (strncmp(path, dir, strlen(dir)) || *p != '/')
		return false;
	while ((p = strstr(p, "/..")))
		if (p[3] == '/' || p[3] == '\0')
			return false;
		else
			p += 3;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const also[] = { DAMON "/", KSM_RUN, NULL };
	struct knob_entry e[KNOB_MAX];
	char out[32], *text;
	int n, i;

	text = fuzz_cstr(data, size);
	memset(out, 'x', sizeof(out));
	if (!knob_parse_choice(text, out, sizeof(out)))
		FUZZ_CHECK(strnlen(out, sizeof(out)) < sizeof(out) && out[0] && !strchr(out, '\n'),
			   "choice '%.*s'", (int)sizeof(out), out);
	free(text);

	n = knob_journal_parse((const char *)data, size, PREFIX, e, KNOB_MAX);
	FUZZ_CHECK(n >= 0 && n <= KNOB_MAX, "%d entries", n);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(inside(e[i].path), "journal entry '%s' outside '%s'", e[i].path, PREFIX);
		FUZZ_CHECK(e[i].orig[0] && !strchr(e[i].orig, '\n'), "journal value '%s'", e[i].orig);
	}

	/* with the other places of knob_journal_open_in(): in one of them, or in the prefix */
	n = knob_journal_parse_in((const char *)data, size, PREFIX, also, e, KNOB_MAX);
	FUZZ_CHECK(n >= 0 && n <= KNOB_MAX, "%d entries", n);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(inside(e[i].path) || below(DAMON, e[i].path) || !strcmp(e[i].path, KSM_RUN),
			   "journal entry '%s' outside '%s' and the other places", e[i].path, PREFIX);
	return 0;
}
