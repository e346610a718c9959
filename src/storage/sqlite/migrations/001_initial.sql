-- Akkoord schema v1. Columns ending in _enc hold AES-256-GCM ciphertext (see privacy/field-cipher.ts).
CREATE TABLE organisations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  organisation_id TEXT NOT NULL REFERENCES organisations(id),
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);

CREATE TABLE form_versions (
  form_id TEXT NOT NULL,
  version TEXT NOT NULL,
  content TEXT NOT NULL,
  PRIMARY KEY (form_id, version)
);

CREATE TABLE consent_requests (
  id TEXT PRIMARY KEY,
  organisation_id TEXT NOT NULL REFERENCES organisations(id),
  form_id TEXT NOT NULL,
  form_version TEXT NOT NULL,
  status TEXT NOT NULL,
  signer_role TEXT NOT NULL,
  language TEXT NOT NULL,
  subject_reference TEXT NOT NULL,
  subject_first_name_enc TEXT NOT NULL,
  subject_last_name_enc TEXT,
  subject_dob_enc TEXT NOT NULL,
  recipient_name_enc TEXT NOT NULL,
  recipient_channel TEXT NOT NULL,
  recipient_address_enc TEXT,
  recipient_masked TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  sent_at TEXT,
  opened_at TEXT,
  decided_at TEXT,
  reminder_count INTEGER NOT NULL DEFAULT 0,
  decisions TEXT NOT NULL DEFAULT '[]',
  signer_name_enc TEXT,
  signature_kind TEXT,
  signature_enc BLOB,
  FOREIGN KEY (form_id, form_version) REFERENCES form_versions(form_id, version)
);
CREATE INDEX consent_requests_org_id ON consent_requests (organisation_id, id);
CREATE INDEX consent_requests_org_subject ON consent_requests (organisation_id, subject_reference, id);
CREATE INDEX consent_requests_open_expiry ON consent_requests (status, expires_at);

-- One row per purpose decision; the status API reads only this table.
CREATE TABLE decisions (
  request_id TEXT NOT NULL REFERENCES consent_requests(id),
  organisation_id TEXT NOT NULL,
  subject_reference TEXT NOT NULL,
  form_id TEXT NOT NULL,
  purpose_id TEXT NOT NULL,
  granted INTEGER NOT NULL,
  required INTEGER NOT NULL,
  decided_at TEXT NOT NULL,
  PRIMARY KEY (request_id, purpose_id)
);
CREATE INDEX decisions_subject ON decisions (organisation_id, subject_reference);

CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  request_id TEXT NOT NULL REFERENCES consent_requests(id),
  organisation_id TEXT NOT NULL,
  type TEXT NOT NULL,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX events_request ON events (request_id, seq);

CREATE TABLE outbox (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL REFERENCES consent_requests(id),
  organisation_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  channel TEXT NOT NULL,
  link_enc TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued', -- queued | sent | failed | dropped
  attempts INTEGER NOT NULL DEFAULT 0,
  due_at TEXT NOT NULL,
  lease_until TEXT,
  provider_message_id TEXT,
  last_error TEXT,
  created_at TEXT NOT NULL,
  sent_at TEXT
);
CREATE INDEX outbox_due ON outbox (state, due_at);

CREATE TABLE documents (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL REFERENCES consent_requests(id),
  organisation_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  content_type TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  content_enc BLOB NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX documents_request ON documents (request_id, created_at);

CREATE TABLE dev_outbox (
  id TEXT PRIMARY KEY,
  organisation_id TEXT NOT NULL,
  request_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  payload_enc TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE idempotency_keys (
  organisation_id TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER,
  body TEXT,
  location TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (organisation_id, key)
);
