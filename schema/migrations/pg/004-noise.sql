-- The noise snapshot of a run, version 4, in PostgreSQL's dialect:
-- ../004-noise.sql.
ALTER TABLE runs ADD COLUMN noise TEXT;
