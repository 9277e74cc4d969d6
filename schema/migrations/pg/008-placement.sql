-- CPU placement of a run, version 8, in PostgreSQL's dialect:
-- ../008-placement.sql.
ALTER TABLE runs ADD COLUMN placement TEXT NOT NULL DEFAULT 'free';
ALTER TABLE runs ADD COLUMN parent_cpu BIGINT;
ALTER TABLE runs ADD COLUMN child_cpu BIGINT;
