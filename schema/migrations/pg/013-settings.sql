-- Settings that stored records depend on, version 13, in PostgreSQL's
-- dialect: ../013-settings.sql (read the comments there).
CREATE TABLE settings (
	name TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
