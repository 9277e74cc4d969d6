-- What each host's comparison of a kernel with its baseline wants (this
-- file's number is its version), recorded by forkwatchd when an upload
-- of the kernel, or of its baseline, arrives: "wants N more runs" while a
-- case's time is undecided (inconclusive, or significant with its size
-- uncertain) and its interval still too wide to decide against the
-- budget; 0 when every case can decide.  The agent asks for this instead
-- of comparing (issue 10: "has enough runs to decide").
--
-- wants_at NULL: nothing recorded (a kernel last compared before this
-- version; the agent then asks the comparison itself).  wants_runs NULL
-- with wants_at set: no baseline to compare with.  wants_cases: the
-- cases that want runs, "fork order-0, munmap pmd".  wants_base_id: the
-- baseline compared with, so that its own uploads recompute this record.
ALTER TABLE host_kernels ADD COLUMN wants_runs INTEGER;
ALTER TABLE host_kernels ADD COLUMN wants_cases TEXT;
ALTER TABLE host_kernels ADD COLUMN wants_base_id INTEGER REFERENCES kernels(id);
ALTER TABLE host_kernels ADD COLUMN wants_at INTEGER;
