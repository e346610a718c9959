-- Which field-encryption keys sealed data in this store: per key id a fingerprint (an HMAC made
-- with the key, never the key or a plain hash of it). A start with keys that do not match is
-- refused instead of answering "ready" and failing every read (privacy/key-check.ts).
CREATE TABLE key_fingerprints (
  key_id TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  first_used_at TEXT NOT NULL
);
