#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests and benchmarks: Debian's
# postgresql, initdb in a temporary directory as an unprivileged user,
# listening on a Unix socket in that directory only (no TCP port), trust
# authentication for its one role "fw".
#   tests/pg-cluster.sh start DIR [setting=value...]  make DIR/data, start it
#   tests/pg-cluster.sh stop DIR                      stop it, remove DIR
#   tests/pg-cluster.sh createdb DIR NAME             a fresh database NAME (UTF8)
#   tests/pg-cluster.sh url DIR NAME                  NAME's URI for forkwatchd --db
#   tests/pg-cluster.sh psql DIR NAME [psql args...]  psql on NAME
# start prints nothing but, on failure, one line saying why, and exits 77
# when PostgreSQL is not installed (the caller skips), 1 when it fails.
# As root, the server runs as the user "nobody" (postgres refuses root);
# otherwise as the caller.  Settings after DIR go to postgres -c (the
# tests pass fsync=off: they kill forkwatchd, never the cluster).
set -eu

pg_bin() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	[ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] || return 1
	echo "$d"
}

as_owner() { # run a command as the cluster's owner
	if [ "$(id -u)" = 0 ]; then
		runuser -u nobody -- "$@"
	else
		"$@"
	fi
}

# the port the cluster's server listens on (its socket's name ends with it)
port_of() {
	sed -n 4p "$1/data/postmaster.pid" 2>/dev/null || echo 5432
}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|createdb|url|psql DIR [...]" >&2; exit 2; }
shift 2

case $cmd in
start)
	bin=$(pg_bin) || { echo "PostgreSQL is not installed (Debian: apt-get install postgresql)"; exit 77; }
	command -v psql >/dev/null || { echo "psql is not installed (Debian: apt-get install postgresql-client)"; exit 77; }
	if [ "$(id -u)" = 0 ] && ! id nobody >/dev/null 2>&1; then
		echo "no user 'nobody' to run PostgreSQL as (it refuses root)"; exit 77
	fi
	mkdir -p "$dir"
	[ "$(id -u)" != 0 ] || chown nobody "$dir"
	chmod 0700 "$dir"
	opts="-c listen_addresses='' -c unix_socket_directories='$dir' -c max_connections=200"
	for s in "$@"; do opts="$opts -c $s"; done
	# the directory's name shows up in ps: say what it is
	if ! as_owner "$bin/initdb" -D "$dir/data" -U fw -A trust -E UTF8 --no-locale --no-sync \
		>"$dir/initdb.log" 2>&1; then
		echo "initdb failed: $(tail -1 "$dir/initdb.log")"; exit 1
	fi
	if ! as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w -t 60 start \
		>"$dir/pg_ctl.log" 2>&1; then
		echo "the PostgreSQL server did not start: $(tail -1 "$dir/server.log" 2>/dev/null)"; exit 1
	fi
	;;
stop)
	bin=$(pg_bin) || exit 0
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	;;
createdb)
	psql -q -X -h "$dir" -p "$(port_of "$dir")" -U fw -d postgres -v ON_ERROR_STOP=1 \
		-c "CREATE DATABASE \"$1\" ENCODING 'UTF8' TEMPLATE template0" >/dev/null
	;;
url)
	port=$(port_of "$dir")
	echo "postgresql://fw@/$1?host=$dir$([ "$port" = 5432 ] || echo "&port=$port")"
	;;
psql)
	name=$1
	shift
	psql -q -X -h "$dir" -p "$(port_of "$dir")" -U fw -d "$name" -v ON_ERROR_STOP=1 "$@"
	;;
*)
	echo "$0: unknown command '$cmd'" >&2; exit 2
	;;
esac
