-- Workloads as data, version 6, in PostgreSQL's dialect:
-- ../006-fresh-iterations.sql.
ALTER TABLE runs RENAME COLUMN munmap_iterations TO fresh_iterations;
