-- Issue 13: an endpoint's history. Each change to a webhook endpoint (created, secret_rotated,
-- disabled, enabled, deleted) is one row, written in the same transaction as the change; who did
-- it (api:<keyId>, staff:<userId>, system) and a detail without secrets (JSON). Rows stay when the
-- endpoint is deleted (no foreign key): the history says who deleted it.
CREATE TABLE webhook_endpoint_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, -- the order of the changes (several can share a millisecond)
  id TEXT NOT NULL UNIQUE,
  organisation_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  type TEXT NOT NULL, -- created | secret_rotated | disabled | enabled | deleted
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX webhook_endpoint_events_endpoint ON webhook_endpoint_events (organisation_id, endpoint_id, seq);

-- The webhook pool claims with a cap per endpoint: it counts the deliveries under a lease (in flight).
CREATE INDEX webhook_deliveries_leased ON webhook_deliveries (status, lease_until);
