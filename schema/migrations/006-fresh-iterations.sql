-- Workloads as data, version 6.  A workload is a line of the collector's
-- table; forkwatchd learns which exist from the rows it stores and names
-- none.  runs.munmap_iterations held the iterations per run of the one
-- workload of schema 1 that needs a freshly populated region for each
-- iteration; it holds those of every such workload now (the document's
-- params.fresh_iterations, or its munmap_iterations before forkwatch 0.2),
-- under a name that says so.  Each case keeps its own count in
-- cases.iterations, as before.
ALTER TABLE runs RENAME COLUMN munmap_iterations TO fresh_iterations;
