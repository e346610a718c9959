-- Issue 13: signed webhooks. Endpoints per organisation (secrets encrypted), one delivery per
-- (endpoint, audit event) with its fixed body (encrypted), and the dispatch cursor: the seq of the
-- last audit event turned into deliveries. It starts at the newest event, so events from before
-- webhooks existed are not sent.
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  organisation_id TEXT NOT NULL REFERENCES organisations(id),
  url TEXT NOT NULL,
  description TEXT,
  events TEXT NOT NULL, -- JSON array of event types, or ["*"]
  secret_enc TEXT NOT NULL,
  previous_secret_enc TEXT,
  previous_secret_expires_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  disabled_at TEXT,
  disabled_reason TEXT,
  failing_since TEXT
);
CREATE INDEX webhook_endpoints_organisation ON webhook_endpoints (organisation_id, created_at);

CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  organisation_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  payload_enc TEXT NOT NULL,
  status TEXT NOT NULL, -- pending | succeeded | failed
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  lease_until TEXT,
  last_attempt_at TEXT,
  last_status_code INTEGER,
  last_error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_ended ON webhook_deliveries (updated_at) WHERE status <> 'pending';

CREATE TABLE webhook_dispatch (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_seq INTEGER NOT NULL
);
INSERT INTO webhook_dispatch (id, last_seq) SELECT 1, COALESCE(MAX(seq), 0) FROM events;
