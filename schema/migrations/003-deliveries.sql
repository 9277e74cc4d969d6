-- Alert delivery, version 3.  Alerts are delivered grouped per (host,
-- kernel): one message per receiver lists every alert of that kernel on
-- that host.  A new alert of a delivered group makes it pending again.
-- Every attempt is logged; a failing receiver is retried with backoff for
-- as long as it takes, so no alert is lost to it.
CREATE TABLE deliveries (
	id INTEGER PRIMARY KEY,
	host_id INTEGER NOT NULL REFERENCES hosts(id),
	kernel_id INTEGER NOT NULL REFERENCES kernels(id),
	channel TEXT NOT NULL CHECK (channel IN ('webhook', 'mail')),
	target TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered')),
	attempts INTEGER NOT NULL DEFAULT 0,
	next_at INTEGER NOT NULL,
	delivered_at INTEGER,
	UNIQUE (host_id, kernel_id, channel, target)
);
CREATE INDEX deliveries_due ON deliveries(state, next_at);

CREATE TABLE delivery_attempts (
	id INTEGER PRIMARY KEY,
	delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
	at INTEGER NOT NULL,
	ok INTEGER NOT NULL,
	detail TEXT NOT NULL
);
CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts(delivery_id, id);
