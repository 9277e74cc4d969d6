-- Kernel facts per host (this file's number is its version).  A kernel's parent commit and release
-- were kept once, from whichever host uploaded it first, so that one
-- host's claim chose every other host's baseline (a host whose head is
-- 30% slower than its own parent was compared with another host's parent
-- instead, and raised no alert).  Now each host's own claim is kept, per
-- host and kernel: its parent commit (the first it gave: a later upload
-- fills one an earlier left out) and its release; and each run keeps the
-- release its document gave.  Comparisons on a host read that host's
-- claim only; where hosts disagree, listings say so.
CREATE TABLE host_kernels (
	host_id INTEGER NOT NULL REFERENCES hosts(id),
	kernel_id INTEGER NOT NULL REFERENCES kernels(id),
	release TEXT NOT NULL,
	parent_commit TEXT,
	PRIMARY KEY (host_id, kernel_id)
);
CREATE INDEX host_kernels_by_kernel ON host_kernels(kernel_id);
ALTER TABLE runs ADD COLUMN release TEXT;

-- What each host said before is not known any more: the kernel's first
-- claim stands for every host that ran it, as it did.
INSERT INTO host_kernels (host_id, kernel_id, release, parent_commit)
	SELECT DISTINCT r.host_id, r.kernel_id, k.release, k.parent_commit
	FROM runs r JOIN kernels k ON k.id = r.kernel_id;
UPDATE runs SET release = (SELECT k.release FROM kernels k WHERE k.id = runs.kernel_id);
