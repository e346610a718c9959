-- Issue 12: one-time codes that confirm the signer (src/consent/signer-code.ts). A code itself is
-- never stored here: only its HMAC (keyed with a key derived from LINK_SIGNING_KEY, bound to the
-- request). The masked address is the one the request already shows in the clear.
CREATE TABLE signer_codes (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL REFERENCES consent_requests(id),
  organisation_id TEXT NOT NULL,
  code_hmac TEXT NOT NULL,
  channel TEXT NOT NULL,
  masked_address TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  verified_at TEXT,
  used_at TEXT
);
CREATE INDEX signer_codes_request ON signer_codes (organisation_id, request_id, created_at);

-- The code travels to the worker encrypted (context outbox.code) and is cleared once sent or given up.
ALTER TABLE outbox ADD COLUMN code_enc TEXT;
