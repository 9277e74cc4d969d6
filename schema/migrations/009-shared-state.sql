-- Shared state: what forkwatchd kept in memory and several
-- forkwatchd on one database (PostgreSQL) must share, kept here for
-- either engine.
--
-- Browser sessions (web/session.h): the hash (BLAKE2b-256) of the
-- session cookie's value, never the value; its CSRF token; who logged
-- in; last use.  Idle sessions are dropped when a new one starts.
CREATE TABLE sessions (
	id_hash BLOB PRIMARY KEY,
	csrf TEXT NOT NULL,
	who TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	used_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_use ON sessions(used_at);

-- Failed token attempts per client address in the current window
-- (daemon/auth.h): an address with too many is refused until the
-- window ends.  Rows of ended windows are dropped on the next failure.
-- window_start is in milliseconds (Unix time).
CREATE TABLE auth_failures (
	addr TEXT PRIMARY KEY,
	window_start INTEGER NOT NULL,
	failures INTEGER NOT NULL
);
CREATE INDEX auth_failures_by_window ON auth_failures(window_start);
