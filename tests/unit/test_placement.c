// SPDX-License-Identifier: GPL-2.0
/* Unit tests for collectors/placement.c: parsing, choosing CPUs, words. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "collectors/placement.h"

static void test_parse(void **state)
{
	enum placement p = PLACEMENT_COUNT;

	(void)state;
	assert_int_equal(placement_parse("same", &p), 0);
	assert_int_equal(p, PLACEMENT_SAME);
	assert_int_equal(placement_parse("split", &p), 0);
	assert_int_equal(p, PLACEMENT_SPLIT);
	assert_int_equal(placement_parse("free", &p), 0);
	assert_int_equal(p, PLACEMENT_FREE);
	assert_int_equal(placement_parse("", &p), -EINVAL);
	assert_int_equal(placement_parse("Same", &p), -EINVAL);
	assert_int_equal(placement_parse("same ", &p), -EINVAL);
	assert_int_equal(placement_parse("sam", &p), -EINVAL);
	assert_int_equal(p, PLACEMENT_FREE); /* untouched on error */
}

static void set_of(const char *list, struct noise_cpuset *s)
{
	assert_int_equal(noise_cpuset_parse(list, s), 0);
}

static void test_choose(void **state)
{
	struct noise_cpuset allowed;
	struct placement_cpus pc;

	(void)state;
	/* the highest allowed CPU for the parent; for split the next lower allowed one */
	set_of("0-3", &allowed);
	assert_int_equal(placement_choose(PLACEMENT_SAME, &allowed, &pc), 0);
	assert_int_equal(pc.how, PLACEMENT_SAME);
	assert_int_equal(pc.parent, 3);
	assert_int_equal(pc.child, 3);
	assert_int_equal(placement_choose(PLACEMENT_SPLIT, &allowed, &pc), 0);
	assert_int_equal(pc.parent, 3);
	assert_int_equal(pc.child, 2);
	assert_int_equal(placement_choose(PLACEMENT_FREE, &allowed, &pc), 0);
	assert_int_equal(pc.parent, -1);
	assert_int_equal(pc.child, -1);

	/* holes (taskset -c 1,5,200) */
	set_of("1,5,200", &allowed);
	assert_int_equal(placement_choose(PLACEMENT_SPLIT, &allowed, &pc), 0);
	assert_int_equal(pc.parent, 200);
	assert_int_equal(pc.child, 5);

	/* one CPU: same works, split cannot */
	set_of("6", &allowed);
	assert_int_equal(placement_choose(PLACEMENT_SAME, &allowed, &pc), 0);
	assert_int_equal(pc.parent, 6);
	assert_int_equal(pc.child, 6);
	assert_int_equal(placement_choose(PLACEMENT_SPLIT, &allowed, &pc), -EINVAL);
	assert_int_equal(pc.parent, -1);

	/* nothing allowed: only free */
	set_of("", &allowed);
	assert_int_equal(placement_choose(PLACEMENT_SAME, &allowed, &pc), -EINVAL);
	assert_int_equal(placement_choose(PLACEMENT_FREE, &allowed, &pc), 0);
}

static void test_cpuset_and_words(void **state)
{
	struct noise_cpuset allowed, used;
	struct placement_cpus pc;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	set_of("0-7", &allowed);
	assert_int_equal(placement_choose(PLACEMENT_SPLIT, &allowed, &pc), 0);
	placement_cpuset(&pc, &allowed, &used);
	noise_cpuset_format(&used, &sb);
	assert_string_equal(sb.buf, "6-7");
	strbuf_reset(&sb);
	placement_describe(&pc, &sb);
	assert_string_equal(sb.buf, "split (parent on CPU 7, child on CPU 6)");

	assert_int_equal(placement_choose(PLACEMENT_SAME, &allowed, &pc), 0);
	placement_cpuset(&pc, &allowed, &used);
	strbuf_reset(&sb);
	noise_cpuset_format(&used, &sb);
	assert_string_equal(sb.buf, "7");
	strbuf_reset(&sb);
	placement_describe(&pc, &sb);
	assert_string_equal(sb.buf, "same (parent and child on CPU 7)");

	assert_int_equal(placement_choose(PLACEMENT_FREE, &allowed, &pc), 0);
	placement_cpuset(&pc, &allowed, &used);
	strbuf_reset(&sb);
	noise_cpuset_format(&used, &sb);
	assert_string_equal(sb.buf, "0-7");
	strbuf_reset(&sb);
	placement_describe(&pc, &sb);
	assert_string_equal(sb.buf, "free (the scheduler decides)");
	strbuf_release(&sb);
}

/* The process itself: pinning moves it, and the affinity reads back. */
static void test_pin(void **state)
{
	struct noise_cpuset before, after;
	struct placement_cpus pc;

	(void)state;
	assert_int_equal(placement_allowed(&before), 0);
	assert_true(noise_cpuset_count(&before) >= 1);
	assert_int_equal(placement_choose(PLACEMENT_SAME, &before, &pc), 0);
	assert_int_equal(placement_pin(pc.parent), 0);
	assert_int_equal(placement_allowed(&after), 0);
	assert_int_equal(noise_cpuset_count(&after), 1);
	assert_true(noise_cpuset_has(&after, (unsigned)pc.parent));
	assert_int_equal(placement_pin(-1), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_choose),
		cmocka_unit_test(test_cpuset_and_words),
		cmocka_unit_test(test_pin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
