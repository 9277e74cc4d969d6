-- Shared state in PostgreSQL's dialect (the SQLite text: the file of this name one folder up),
-- and the data generation of several forkwatchd on this database (store.h's
-- store_generation()): a sequence that each moves after a write that
-- changed what pages show, and that each reads before serving a page
-- it keeps in memory.
CREATE TABLE sessions (
	id_hash BYTEA PRIMARY KEY,
	csrf TEXT NOT NULL,
	who TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	used_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_use ON sessions(used_at);

-- window_start in milliseconds (Unix time)
CREATE TABLE auth_failures (
	addr TEXT COLLATE "C" PRIMARY KEY,
	window_start BIGINT NOT NULL,
	failures BIGINT NOT NULL
);
CREATE INDEX auth_failures_by_window ON auth_failures(window_start);

CREATE SEQUENCE data_generation;
