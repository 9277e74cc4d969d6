-- Samples, version 5, in PostgreSQL's dialect: ../005-compressed-samples.sql.
-- The renamed table's key index is renamed too: the new table's takes
-- its name.
ALTER TABLE samples RENAME TO samples_v3;
ALTER INDEX samples_pkey RENAME TO samples_v3_pkey;
CREATE TABLE samples (
	case_id BIGINT PRIMARY KEY REFERENCES cases(id),
	data BYTEA NOT NULL
);
-- zstd has compressed the blobs already: TOAST stores them out of line
-- without trying again
ALTER TABLE samples ALTER COLUMN data SET STORAGE EXTERNAL;

ALTER TABLE runs ADD COLUMN samples_dropped_at BIGINT;
CREATE INDEX runs_with_samples ON runs(received_at) WHERE samples_dropped_at IS NULL;
CREATE INDEX alerts_by_host_base ON alerts(host_id, base_kernel_id);
