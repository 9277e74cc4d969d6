-- What each host's comparison of a kernel with its baseline wants,
-- version 11, in PostgreSQL's dialect: ../011-wants-runs.sql (read the
-- comments there).  INTEGER is BIGINT.
ALTER TABLE host_kernels ADD COLUMN wants_runs BIGINT;
ALTER TABLE host_kernels ADD COLUMN wants_cases TEXT;
ALTER TABLE host_kernels ADD COLUMN wants_base_id BIGINT REFERENCES kernels(id);
ALTER TABLE host_kernels ADD COLUMN wants_at BIGINT;
