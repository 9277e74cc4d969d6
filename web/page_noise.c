// SPDX-License-Identifier: GPL-2.0
/* Warnings on results measured with a noise source active (forkwatch check's sources). */
#include <stdio.h>
#include <string.h>

#include "web/html.h"
#include "web/pages.h"

/* What each source meant for the results, for a reader of the pages. */
static const struct {
	const char *name, *words;
} noise_words[] = {
	{ "damon", "a DAMON kdamond ran; its schemes may page out or move the benchmark's memory" },
	{ "khugepaged", "khugepaged scanned; it may collapse the benchmark's folios" },
	{ "ksm", "KSM merged pages" },
	{ "numa_balancing", "NUMA balancing was on: hinting faults and migrations" },
	{ "thp", "THP was set to always or to compact in page faults" },
	{ "governor", "the cpufreq governor was not performance" },
	{ "boost", "turbo boost was on" },
	{ "smt", "a CPU in use had an online SMT sibling" },
	{ "load", "other work was running" },
	{ "steal", "the hypervisor stole CPU time" },
	{ "hypervisor", "it ran in a virtual machine" },
};

void page_noise_list(struct strbuf *sb, const char *names, bool explain)
{
	const char *p = names;
	bool first = true;

	while (*p) {
		const char *words = NULL;
		size_t len = strcspn(p, " "), i;
		char name[64];

		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		p += len + (p[len] == ' ');
		if (!len)
			continue;
		for (i = 0; i < sizeof(noise_words) / sizeof(noise_words[0]); i++)
			if (!strcmp(noise_words[i].name, name))
				words = noise_words[i].words;
		if (!first)
			strbuf_addstr(sb, ", ");
		first = false;
		if (words && !explain) {
			strbuf_addstr(sb, "<b title=\"");
			html_attr(sb, words);
			strbuf_addstr(sb, "\">");
		} else {
			strbuf_addstr(sb, "<b>");
		}
		html_txt(sb, name);
		strbuf_addstr(sb, "</b>");
		if (words && explain) {
			strbuf_addstr(sb, " (");
			html_txt(sb, words);
			strbuf_addch(sb, ')');
		}
	}
}

void page_noise_warning(struct strbuf *sb, bool known, const char *names)
{
	if (!known || !*names)
		return;
	strbuf_addstr(sb, "<p class=\"noise\">Measured with noise sources active: ");
	page_noise_list(sb, names, true);
	strbuf_addstr(sb, ". The numbers may move for reasons other than the kernel; "
			  "<code>forkwatch check</code> names the sources on the machine and "
			  "<code>forkwatch bench --tune</code> quiets some for a run.</p>\n");
}

static void side(struct strbuf *sb, const char *what, const struct compare_noise *n, bool names)
{
	html_txtf(sb, "%s, %u of %u upload%s", what, n->noisy, n->uploads, n->uploads == 1 ? "" : "s");
	if (names) {
		strbuf_addstr(sb, ": ");
		page_noise_list(sb, n->names, false);
	}
}

/* Kept short: it sits above the comparison's tables, also on a phone. */
void page_compare_noise(struct strbuf *sb, const struct compare_result *res)
{
	const struct compare_noise *b = &res->base_noise, *h = &res->head_noise;
	bool same = b->noisy && h->noisy && !strcmp(b->names, h->names);

	if (!b->noisy && !h->noisy)
		return;
	strbuf_addstr(sb, "<p class=\"noise\">Noise sources active in the uploads compared: ");
	if (b->noisy)
		side(sb, "baseline", b, !same);
	if (b->noisy && h->noisy)
		strbuf_addstr(sb, "; ");
	if (h->noisy)
		side(sb, "after-change", h, true);
	strbuf_addstr(sb, ". Changes may come from them rather than from the kernel.</p>\n");
}

void page_compare_noise_mark(struct strbuf *sb, const struct compare_result *res)
{
	struct strbuf title = STRBUF_INIT;

	if (!compare_noise_words(res, &title))
		return;
	strbuf_addstr(sb, "<span class=\"cell noise\" title=\"noise sources active: ");
	html_attr(sb, title.buf);
	strbuf_addstr(sb, "\">noise</span>");
	strbuf_release(&title);
}

void page_compare_placement(struct strbuf *sb, const struct compare_result *res)
{
	struct strbuf note = STRBUF_INIT;

	compare_placement_note(res, &note);
	strbuf_addf(sb, "<p class=\"placement%s\">", res->base_lacks_placement ? " noise" : "");
	html_txt(sb, note.buf);
	strbuf_addstr(sb, ".</p>\n");
	strbuf_release(&note);
}
