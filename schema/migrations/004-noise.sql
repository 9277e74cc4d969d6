-- The noise snapshot of a run, version 4: the sources its document names
-- noisy (DAMON, khugepaged, load, a hypervisor, ...; forkwatch check),
-- space-separated in the document's order.  '' when the machine was
-- quiet; NULL when the document carried no snapshot (older collectors).
-- Pages warn on results measured with a noise source active.
ALTER TABLE runs ADD COLUMN noise TEXT;
