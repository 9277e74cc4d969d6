-- Samples, version 5: compressed, one blob per case.  The per-iteration
-- values of every supported metric of a case (runs_n of them per run) sit
-- in one blob in the format of lib/sampcodec.h: whole numbers as zigzag
-- differences in byte planes, other values (NaN, fractions) as their bits,
-- then zstd; lossless.  About six times smaller than the float64 arrays of
-- version 3, and a few blobs of several kB fill the database's pages where
-- many of 2 kB left them half empty.  Summaries stay in series as they
-- were, uncompressed: pages never read samples.
--
-- The rows of version 3 move into the new table in this migration's
-- transaction: after the SQL below, forkwatchd (daemon/store_samples.c,
-- store_samples_migrate_v4) re-encodes every case's samples_v3 rows into
-- samples, then drops samples_v3.
ALTER TABLE samples RENAME TO samples_v3;
CREATE TABLE samples (
	case_id INTEGER PRIMARY KEY REFERENCES cases(id),
	data BLOB NOT NULL
);

-- Retention (forkwatchd --keep-samples DAYS) drops the samples of old
-- runs and notes when here; NULL while they are kept.
ALTER TABLE runs ADD COLUMN samples_dropped_at INTEGER;
-- what retention walks: the runs that still have samples, oldest first
CREATE INDEX runs_with_samples ON runs(received_at) WHERE samples_dropped_at IS NULL;
-- retention keeps the samples of an alert's base kernel too
CREATE INDEX alerts_by_host_base ON alerts(host_id, base_kernel_id);
