-- Whether hosts disagree on a kernel's facts, version 12, in PostgreSQL's
-- dialect: ../012-kernel-disputed.sql (read the comments there).
-- INTEGER is BIGINT.
ALTER TABLE kernels ADD COLUMN disputed BIGINT NOT NULL DEFAULT 0;
UPDATE kernels SET disputed =
	(SELECT CASE WHEN min(parent_commit) <> max(parent_commit) THEN 1 ELSE 0 END
		+ CASE WHEN min(release) <> max(release) THEN 2 ELSE 0 END
	FROM host_kernels WHERE kernel_id = kernels.id);
