-- Calibration, version 10: what a lab machine can resolve (forkwatch
-- calibrate, the forkwatch-calibration/1 document of
-- schema/result-format.md).  One row per profile uploaded
-- (POST /api/v1/calibrations), idempotent on its uuid; the document is
-- kept as uploaded (after validation, at most 256 KiB), and read back
-- whole by the host page, the API and the alerts, which take the host's
-- latest: the greatest finished_at (UTC, YYYY-MM-DDTHH:MM:SSZ), then id.
CREATE TABLE calibrations (
	id INTEGER PRIMARY KEY,
	uuid TEXT NOT NULL UNIQUE,
	host_id INTEGER NOT NULL REFERENCES hosts(id),
	received_at INTEGER NOT NULL,
	finished_at TEXT NOT NULL,
	release TEXT NOT NULL,
	commit_sha TEXT,
	doc TEXT NOT NULL
);
CREATE INDEX calibrations_by_host ON calibrations(host_id, finished_at);
