-- Real delivery: reminder settings per request, delivery facts, which provider took a message.
ALTER TABLE consent_requests ADD COLUMN reminder_after_days INTEGER NOT NULL DEFAULT 3;
ALTER TABLE consent_requests ADD COLUMN reminder_automatic INTEGER NOT NULL DEFAULT 1;
ALTER TABLE consent_requests ADD COLUMN reminder_max INTEGER NOT NULL DEFAULT 2;
ALTER TABLE consent_requests ADD COLUMN delivered_at TEXT;
ALTER TABLE consent_requests ADD COLUMN failure_reason TEXT;
ALTER TABLE outbox ADD COLUMN provider TEXT;
CREATE INDEX outbox_request ON outbox (request_id, state);
CREATE INDEX outbox_provider_message ON outbox (provider_message_id);
