-- What a host's kernels listing reads, kept where it reads it, version
-- 12, in PostgreSQL's dialect: ../012-kernel-disputed.sql (read the
-- comments there).  INTEGER is BIGINT.  The index's entries stay well
-- under PostgreSQL's limit of about 2,700 bytes.
ALTER TABLE kernels ADD COLUMN disputed BIGINT NOT NULL DEFAULT 0;
UPDATE kernels SET disputed =
	(SELECT CASE WHEN min(parent_commit) <> max(parent_commit) THEN 1 ELSE 0 END
		+ CASE WHEN min(release) <> max(release) THEN 2 ELSE 0 END
	FROM host_kernels WHERE kernel_id = kernels.id);

CREATE INDEX host_kernels_by_host ON host_kernels(host_id, kernel_id, release, parent_commit,
	wants_at, wants_runs, wants_cases, wants_base_id);
