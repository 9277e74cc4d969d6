-- Placement, version 8: where a run's processes ran (forkwatch bench
-- --placement): 'same' (parent and child on one CPU), 'split' (on two)
-- or 'free' (the scheduler decided), and the CPUs pinned to, NULL for
-- free.  Placement changes both the noise and the answer, so comparisons
-- pool only the runs of one placement.  Rows stored before this
-- migration, and documents that name no placement, are 'free': no
-- collector before --placement set an affinity.
ALTER TABLE runs ADD COLUMN placement TEXT NOT NULL DEFAULT 'free';
ALTER TABLE runs ADD COLUMN parent_cpu INTEGER;
ALTER TABLE runs ADD COLUMN child_cpu INTEGER;
