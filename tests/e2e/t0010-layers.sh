#!/usr/bin/env bash
# Dependencies run one way: lib/ <- collectors/, lib/ <- daemon/ <- web/
# (docs/design.md).  Every quoted #include in those folders names its
# folder ("daemon/store.h"), and none points up or across: lib/ includes
# only lib/, collectors/ only lib/ and itself, daemon/ only lib/ and
# itself, web/ lib/, daemon/ and itself.  Where the libraries are built
# (build/<arch>/*.a, `make`), their symbols say the same: no library
# needs a symbol that only a library above it (or beside it) defines.
# The check is first run on a small tree that breaks each rule, so that a
# check that could not fail does not pass.
. "$(dirname "$0")/lib.sh"

# the folders each folder may include from
allowed() {
	case $1 in
	lib) echo 'lib' ;;
	collectors) echo 'lib|collectors' ;;
	daemon) echo 'lib|daemon' ;;
	web) echo 'lib|daemon|web' ;;
	esac
}

# include_check ROOT: one line per #include that breaks the rules
include_check() {
	local root=$1 dir
	for dir in lib collectors daemon web; do
		[ -d "$root/$dir" ] || continue
		(cd "$root" && find "$dir" -name '*.[ch]' -print0 | sort -z |
			xargs -0 -r grep -EHn '^[[:space:]]*#[[:space:]]*include[[:space:]]*("|<(lib|collectors|daemon|web)/)') |
			grep -Ev ":[[:space:]]*#[[:space:]]*include[[:space:]]*[\"<]($(allowed "$dir"))/[^\"/>]+\.h[\">]" || true
	done
}

say "the check finds what breaks the rules"
mkdir -p "$T/tree/lib" "$T/tree/collectors" "$T/tree/daemon" "$T/tree/web"
printf '#include "daemon/store.h"\n#include "lib/strbuf.h"\n' >"$T/tree/lib/up.h"
printf '#include "web/page.h"\n' >"$T/tree/daemon/up.c"
printf '#include <web/page.h>\n' >"$T/tree/daemon/angle.c"
printf '#include "store.h"\n#include "daemon/store.h"\n' >"$T/tree/daemon/bare.c"
printf '#include "daemon/store.h"\n' >"$T/tree/collectors/across.c"
printf '#include <stdio.h>\n#include "lib/html.h"\n#include "daemon/store.h"\n#include "web/page.h"\n' >"$T/tree/web/ok.c"
include_check "$T/tree" >"$T/bad"
cat "$T/bad"
want='collectors/across.c:1:
daemon/angle.c:1:
daemon/bare.c:1:
daemon/up.c:1:
lib/up.h:1:'
[ "$(cut -d: -f1-2 "$T/bad" | sed "s/$/:/" | sort)" = "$want" ] || fail "the check on a broken tree found other lines than expected"

say "no file of the tree includes against the rules"
include_check "$top" >"$T/found"
if [ -s "$T/found" ]; then
	cat "$T/found"
	fail "includes against the direction of dependencies (lib/ <- collectors/, lib/ <- daemon/ <- web/)"
fi
echo "ok: $(cd "$top" && find lib collectors daemon web -name '*.[ch]' | wc -l) files"

say "the libraries' symbols run the same way"
b=$top/build/$arch
if [ ! -f "$b/lib.a" ] || [ ! -f "$b/daemon.a" ] || [ ! -f "$b/web.a" ] || [ ! -f "$b/collectors.a" ]; then
	echo "no libraries in $b (make): the symbols were not checked"
	exit 0
fi
defined() { nm -g --defined-only "$1" | awk 'NF == 3 { print $3 }' | sort -u; }
undefined() { nm -g --undefined-only "$1" | awk 'NF == 2 && $1 == "U" { print $2 }' | sort -u; }
for l in lib collectors daemon web; do
	defined "$b/$l.a" >"$T/def.$l"
	undefined "$b/$l.a" >"$T/undef.$l"
done
if [ ! -s "$T/def.lib" ] || [ ! -s "$T/undef.web" ]; then
	fail "nm found no symbols in $b"
fi
# a library, then the libraries it must not need
for rule in "lib collectors daemon web" "collectors daemon web" "daemon collectors web"; do
	read -ra libs <<<"$rule"
	l=${libs[0]}
	for above in "${libs[@]:1}"; do
		comm -12 "$T/undef.$l" "$T/def.$above" >"$T/wrong"
		if [ -s "$T/wrong" ]; then
			sed 's/^/  /' "$T/wrong"
			fail "$l.a needs symbols that only $above.a defines"
		fi
	done
done
echo "ok: lib.a, collectors.a, daemon.a, web.a"
