-- Races and lost updates.
-- A version per consent request, raised by every write that changes its status, decisions or seal
-- state: a use case reads it and writes only if it still holds (optimistic concurrency).
ALTER TABLE consent_requests ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

-- Provider callbacks already processed (SendGrid sg_event_id, a hash of a Twilio status report):
-- a replay is acknowledged and changes nothing. Pruned after 7 days by the worker.
CREATE TABLE provider_events (
  provider TEXT NOT NULL,
  event_id TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (provider, event_id)
) WITHOUT ROWID;
CREATE INDEX provider_events_received ON provider_events (received_at);

-- Idempotency keys expire (24 hours); the worker deletes the old ones by creation time.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
