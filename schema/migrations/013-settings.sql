-- Settings that stored records depend on (this file's number is its
-- version): one row a name.  "wants_config" is the comparison settings
-- (forkwatchd --alpha, --budget-order0, --budget, and the confidence
-- level) that the wants records of host_kernels (migration 11) were made
-- with: a daemon started with other settings clears those records, which
-- each kernel's next upload makes again (an agent meanwhile asks the
-- comparison itself), so that no agent reads a record judged against
-- budgets the server no longer uses.
CREATE TABLE settings (
	name TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
