-- Kernel facts per host, version 7, in PostgreSQL's dialect:
-- ../007-host-kernels.sql (read the comments there).  INTEGER is BIGINT,
-- as the ids it refers to.
CREATE TABLE host_kernels (
	host_id BIGINT NOT NULL REFERENCES hosts(id),
	kernel_id BIGINT NOT NULL REFERENCES kernels(id),
	release TEXT NOT NULL,
	parent_commit TEXT,
	PRIMARY KEY (host_id, kernel_id)
);
CREATE INDEX host_kernels_by_kernel ON host_kernels(kernel_id);
ALTER TABLE runs ADD COLUMN release TEXT;

INSERT INTO host_kernels (host_id, kernel_id, release, parent_commit)
	SELECT DISTINCT r.host_id, r.kernel_id, k.release, k.parent_commit
	FROM runs r JOIN kernels k ON k.id = r.kernel_id;
UPDATE runs SET release = (SELECT k.release FROM kernels k WHERE k.id = runs.kernel_id);
