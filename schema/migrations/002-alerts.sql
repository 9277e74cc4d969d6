-- Alerts, version 2: regressions found when an upload is compared with
-- its baseline, one per (host, kernel, case, metric), and improvements
-- recorded as notices (kind 'gain').  Triage state with who and when.
CREATE TABLE alerts (
	id INTEGER PRIMARY KEY,
	host_id INTEGER NOT NULL REFERENCES hosts(id),
	kernel_id INTEGER NOT NULL REFERENCES kernels(id),
	base_kernel_id INTEGER NOT NULL REFERENCES kernels(id),
	workload TEXT NOT NULL,
	layout TEXT NOT NULL,
	metric TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('regression', 'gain')),
	delta_pct REAL,
	ci_lo_pct REAL,
	ci_hi_pct REAL,
	p REAL,
	summary TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'new'
		CHECK (state IN ('new', 'acknowledged', 'invalid', 'fixed')),
	state_by TEXT,
	state_at INTEGER,
	created_at INTEGER NOT NULL,
	UNIQUE (host_id, kernel_id, workload, layout, metric)
);
CREATE INDEX alerts_by_created ON alerts(created_at);

-- A baseline pinned per host (e.g. a release tag's kernel): comparisons
-- without a requested base use it when the head's parent was not run.
ALTER TABLE hosts ADD COLUMN baseline_kernel_id INTEGER REFERENCES kernels(id);

-- Comparisons on every upload look up a host's runs in upload order:
-- the first run of a kernel, the kernel run just before it, and the
-- newest uploads of a kernel, each in O(log n).
CREATE INDEX runs_by_host_kernel_id ON runs(host_id, kernel_id, id);
CREATE INDEX runs_by_host_id ON runs(host_id, id);
