-- forkwatchd schema, version 1.  Applied in one transaction at start when
-- PRAGMA user_version is below 1.  Times are Unix seconds (UTC).

-- Lab machines.  The token is shown once at registration; only its hash
-- (BLAKE2b-256 of the token) is kept.  name is what people call it (it can
-- be renamed); hostname is what the machine says it is, and every upload
-- with its token must say the same.
CREATE TABLE hosts (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	hostname TEXT NOT NULL,
	token_hash BLOB NOT NULL UNIQUE,
	arch TEXT,
	cpu_model TEXT,
	cpus INTEGER,
	mem_bytes INTEGER,
	page_size INTEGER,
	created_at INTEGER NOT NULL,
	last_seen_at INTEGER,
	retired_at INTEGER
);

-- Kernels, one per identity: the commit when known, else "release:<uname -r>".
CREATE TABLE kernels (
	id INTEGER PRIMARY KEY,
	ident TEXT NOT NULL UNIQUE,
	commit_sha TEXT,
	release TEXT NOT NULL,
	parent_commit TEXT,
	build_id TEXT,
	version TEXT,
	dirty INTEGER NOT NULL DEFAULT 0,
	first_seen_at INTEGER NOT NULL
);

-- One uploaded result document.
CREATE TABLE runs (
	id INTEGER PRIMARY KEY,
	uuid TEXT NOT NULL UNIQUE,
	host_id INTEGER NOT NULL REFERENCES hosts(id),
	kernel_id INTEGER NOT NULL REFERENCES kernels(id),
	received_at INTEGER NOT NULL,
	started_at TEXT,
	finished_at TEXT,
	tool_version TEXT,
	size_bytes INTEGER NOT NULL,
	runs INTEGER NOT NULL,
	iterations INTEGER NOT NULL,
	munmap_iterations INTEGER,
	warmup INTEGER,
	-- every case verified its layout and every run measured every iteration
	complete INTEGER NOT NULL,
	doc_bytes INTEGER NOT NULL,
	host_facts TEXT -- the document's host object, as uploaded
);
CREATE INDEX runs_by_host_kernel ON runs(host_id, kernel_id, received_at);
CREATE INDEX runs_by_kernel ON runs(kernel_id);

-- One (workload, layout) of a run.
CREATE TABLE cases (
	id INTEGER PRIMARY KEY,
	run_id INTEGER NOT NULL REFERENCES runs(id),
	workload TEXT NOT NULL,
	layout TEXT NOT NULL,
	folio_order INTEGER NOT NULL,
	mapping TEXT NOT NULL,
	iterations INTEGER NOT NULL,
	layout_ok INTEGER NOT NULL,
	layout_reason TEXT,
	folios TEXT,      -- JSON object: order -> whole folios
	runs_ok INTEGER NOT NULL,
	UNIQUE (run_id, workload, layout)
);

-- Per (run, case, metric): the summaries pages and comparisons read.
-- runs_*: over the per-run means (the unit of replication); it_*: over the
-- per-iteration values.  run_means: float64 little-endian, one per run,
-- NaN for a run without values.  Unsupported metrics have a status and a
-- reason and no numbers.
CREATE TABLE series (
	id INTEGER PRIMARY KEY,
	case_id INTEGER NOT NULL REFERENCES cases(id),
	metric TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('ok', 'unsupported')),
	event TEXT,
	reason TEXT,
	multiplexed INTEGER NOT NULL DEFAULT 0,
	runs_n INTEGER, runs_mean REAL, runs_stdev REAL, runs_median REAL, runs_min REAL, runs_max REAL,
	it_n INTEGER, it_mean REAL, it_stdev REAL, it_median REAL, it_min REAL, it_max REAL,
	run_means BLOB,
	UNIQUE (case_id, metric)
);

-- The per-iteration samples, apart from the summaries so that reading
-- summaries never pages in sample blobs.  data: float64 little-endian,
-- NaN where a counter did not run; run_lengths: uint32 little-endian,
-- how many values each run contributed, in order.
CREATE TABLE samples (
	series_id INTEGER PRIMARY KEY REFERENCES series(id),
	run_lengths BLOB NOT NULL,
	data BLOB NOT NULL
);
