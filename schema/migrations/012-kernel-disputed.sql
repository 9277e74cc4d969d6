-- Whether hosts disagree on a kernel's facts (this file's number is its
-- version), kept on the kernel's row: 1 when they claim different parent
-- commits, 2 different releases, 3 both (host_kernels, migration 7;
-- NULL parents are no claim).  Every listing of kernels read it with a
-- subquery over the kernel's host_kernels rows, for every kernel listed:
-- a host's API answer spent 34 us of its time there on bench/read.sh's
-- 5 x 20 database, 9.5 ms on its 100 x 300 one (bench/README.md).  Each
-- upload of the kernel counts it again (daemon/store_ingest.c).
ALTER TABLE kernels ADD COLUMN disputed INTEGER NOT NULL DEFAULT 0;
UPDATE kernels SET disputed =
	(SELECT CASE WHEN min(parent_commit) <> max(parent_commit) THEN 1 ELSE 0 END
		+ CASE WHEN min(release) <> max(release) THEN 2 ELSE 0 END
	FROM host_kernels WHERE kernel_id = kernels.id);
