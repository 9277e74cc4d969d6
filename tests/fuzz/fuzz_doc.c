// SPDX-License-Identifier: GPL-2.0
/*
 * The body of POST /api/v1/runs: doc_parse() (daemon/doc.c on lib/jread.c).
 * A document is taken whole, or refused with the path of a field and a
 * message.  What is taken must hold what doc.h promises: strings valid
 * UTF-8 without control characters where they are one line, the values
 * of each series adding up to its runs, re-serialised JSON that reads back.
 */
#include <math.h>

#include "daemon/doc.h"
#include "fuzz.h"
#include "lib/jread.h"

static void check_text(const char *what, const char *s, bool one_line)
{
	const char *p;

	if (!s)
		return;
	FUZZ_CHECK(fuzz_utf8(s, strlen(s)), "%s is not UTF-8", what);
	for (p = s; one_line && *p; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f, "%s holds a control character", what);
}

static void check_json(const char *what, const char *text)
{
	struct strbuf err = STRBUF_INIT;
	struct jread_node *root = NULL;

	if (!text)
		return;
	FUZZ_CHECK(!jread_parse_flags(&root, text, strlen(text), JREAD_REJECT_DUPLICATES, &err),
		   "%s does not read back: %s: %s", what, err.buf, text);
	FUZZ_CHECK(root->type == JREAD_OBJ, "%s is not an object", what);
	jread_free(root);
	strbuf_release(&err);
}

static void check_series(const struct doc_case *c, const struct doc_series *s)
{
	size_t sum = 0;
	unsigned r;

	check_text("series metric", s->metric, true);
	check_text("series event", s->event, true);
	check_text("series reason", s->reason, true);
	FUZZ_CHECK(s->supported || s->reason, "unsupported %s without a reason", s->metric);
	for (r = 0; r < s->nruns; r++) {
		FUZZ_CHECK(s->run_len[r] <= c->iterations, "run %u of %s: %u values > %u iterations", r,
			   s->metric, s->run_len[r], c->iterations);
		sum += s->run_len[r];
	}
	FUZZ_CHECK(sum == s->nvalues, "%s: runs hold %zu values, nvalues %zu", s->metric, sum, s->nvalues);
	for (sum = 0; sum < s->nvalues; sum++)
		FUZZ_CHECK(isnan(s->values[sum]) || (s->values[sum] >= 0 && isfinite(s->values[sum])),
			   "%s: value %zu is %g", s->metric, sum, s->values[sum]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf field = STRBUF_INIT, err = STRBUF_INIT;
	struct doc d;
	int i, k, ret;

	ret = doc_parse(&d, (const char *)data, size, &field, &err);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL, "doc_parse returned %d", ret);
		FUZZ_CHECK(err.len > 0, "refused without a message (field '%s')", field.buf);
		goto out;
	}
	FUZZ_CHECK(d.ncases >= 1, "a document without cases");
	FUZZ_CHECK(strlen(d.run_uuid) == 36, "run_uuid '%s'", d.run_uuid);
	check_text("hostname", d.host.hostname, true);
	FUZZ_CHECK(d.host.hostname[0], "empty hostname");
	check_text("arch", d.host.arch, true);
	check_text("cpu_model", d.host.cpu_model, true);
	check_text("release", d.kernel.release, true);
	check_text("version", d.kernel.version, true);
	check_text("kernel_ident", d.kernel_ident, true);
	check_json("host_json", d.host_json);
	for (i = 0; i < d.ncases; i++) {
		const struct doc_case *c = &d.cases[i];

		check_json("folios_json", c->folios_json);
		check_text("layout_reason", c->layout_reason, true);
		FUZZ_CHECK(c->nseries >= 1 && !strcmp(c->series[0].metric, "ns"), "case %d: no ns series", i);
		FUZZ_CHECK(c->runs_ok <= d.params.runs, "case %d: %u runs ok of %u", i, c->runs_ok,
			   d.params.runs);
		for (k = 0; k < c->nseries; k++)
			check_series(c, &c->series[k]);
	}
	doc_release(&d);
out:
	strbuf_release(&field);
	strbuf_release(&err);
	return 0;
}
