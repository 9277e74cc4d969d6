-- What a host's kernels listing reads, kept where it reads it (this
-- file's number is its version):
--
-- Whether hosts disagree on a kernel's facts, on the kernel's row: 1 when
-- they claim different parent commits, 2 different releases, 3 both
-- (host_kernels, migration 7; NULL parents are no claim).  Every listing
-- of kernels read it with a subquery over the kernel's host_kernels rows,
-- for every kernel listed: a host's API answer spent 34 us of its time
-- there on bench/read.sh's 5 x 20 database, 9.5 ms on its 100 x 300 one
-- (bench/README.md).  Each upload of the kernel counts it again
-- (daemon/store_ingest.c).
ALTER TABLE kernels ADD COLUMN disputed INTEGER NOT NULL DEFAULT 0;
UPDATE kernels SET disputed =
	(SELECT CASE WHEN min(parent_commit) <> max(parent_commit) THEN 1 ELSE 0 END
		+ CASE WHEN min(release) <> max(release) THEN 2 ELSE 0 END
	FROM host_kernels WHERE kernel_id = kernels.id);

-- A host's facts and wants records (migration 11) in its own range, so
-- that its listing reads a few pages, not a page for each kernel's row
-- of host_kernels (642 pages and 2.8 ms a host of 300 kernels, against
-- 300 pages and 1.6 ms).  At most about 850 bytes an entry (a release
-- of 256 bytes, wants_cases of 511).
CREATE INDEX host_kernels_by_host ON host_kernels(host_id, kernel_id, release, parent_commit,
	wants_at, wants_runs, wants_cases, wants_base_id);
