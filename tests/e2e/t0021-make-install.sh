#!/usr/bin/env bash
# `make install DESTDIR=... PREFIX=/usr`: the programs (0755, running),
# the man pages forkwatch(1) and forkwatchd(8) (rendering without a
# warning, naming every command that `forkwatch --help` lists), the
# systemd units with ExecStart pointed at the programs where they were
# installed, and the agent's environment file as an example; nothing
# outside DESTDIR.
. "$(dirname "$0")/lib.sh"
[ -x "$top/build/$arch/forkwatch" ] || fail "no build/$arch/forkwatch: run make first"
R=$T/root
say "make install DESTDIR=\$T/root PREFIX=/usr"
make -s -C "$top" install DESTDIR="$R" PREFIX=/usr >"$T/out" 2>&1 || { cat "$T/out"; fail "make install"; }
cat "$T/out"
progs=forkwatch
[ -x "$top/build/$arch/forkwatchd" ] && progs="forkwatch forkwatchd"
for p in $progs; do
	[ "$(stat -c %a "$R/usr/bin/$p")" = 755 ] || fail "/usr/bin/$p: mode $(stat -c %a "$R/usr/bin/$p")"
	"$R/usr/bin/$p" --help >/dev/null || fail "the installed $p --help"
done
for m in man1/forkwatch.1 man8/forkwatchd.8; do
	f=$R/usr/share/man/$m
	[ "$(stat -c %a "$f")" = 644 ] || fail "$m: missing or mode $(stat -c %a "$f" 2>&1)"
	if command -v groff >/dev/null; then
		LC_ALL=C.UTF-8 groff -man -ww -z -Tutf8 "$f" 2>"$T/groff" && [ ! -s "$T/groff" ] ||
			{ cat "$T/groff"; fail "$m: groff warns"; }
	fi
done
# every command of the program is in its manual
cmds=$("$R/usr/bin/forkwatch" --help | sed -n '/^commands:/,/^$/s/^  \([a-z]*\) .*/\1/p')
[ "$(echo "$cmds" | wc -w)" -ge 6 ] || fail "forkwatch --help lists too few commands: $cmds"
for c in $cmds; do
	grep -q "^\.B forkwatch $c\$" "$R/usr/share/man/man1/forkwatch.1" || fail "forkwatch(1) lacks the command $c"
done
for u in forkwatch-agent forkwatchd; do
	f=$R/usr/lib/systemd/system/$u.service
	[ "$(stat -c %a "$f")" = 644 ] || fail "$u.service: missing or mode"
	grep -q "^ExecStart=/usr/bin/${u%-agent} " "$f" || fail "$u.service: $(grep ExecStart "$f")"
done
[ -f "$R/usr/share/doc/forkwatch/forkwatch.default" ] || fail "no forkwatch.default example"
extra=$(cd "$R" && find . -type f | grep -v '^\./usr/' || true)
[ -z "$extra" ] || fail "installed outside PREFIX: $extra"
say "PREFIX=/opt/fw: the units follow"
make -s -C "$top" install DESTDIR="$T/opt" PREFIX=/opt/fw >/dev/null 2>&1 || fail "make install PREFIX=/opt/fw"
grep -q '^ExecStart=/opt/fw/bin/forkwatchd ' "$T/opt/opt/fw/lib/systemd/system/forkwatchd.service" ||
	fail "forkwatchd.service under PREFIX=/opt/fw"
echo ok
