-- Evidence: several decision rows per purpose (a withdrawal adds a later "not granted" row),
-- documents found by their hash for verification, and the seal state of a request's record.
CREATE TABLE decisions_v2 (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id TEXT NOT NULL REFERENCES consent_requests(id),
  organisation_id TEXT NOT NULL,
  subject_reference TEXT NOT NULL,
  form_id TEXT NOT NULL,
  purpose_id TEXT NOT NULL,
  granted INTEGER NOT NULL,
  required INTEGER NOT NULL,
  decided_at TEXT NOT NULL
);
INSERT INTO decisions_v2 (request_id, organisation_id, subject_reference, form_id, purpose_id, granted, required, decided_at)
  SELECT request_id, organisation_id, subject_reference, form_id, purpose_id, granted, required, decided_at FROM decisions ORDER BY decided_at, request_id;
DROP TABLE decisions;
ALTER TABLE decisions_v2 RENAME TO decisions;
CREATE INDEX decisions_subject ON decisions (organisation_id, subject_reference, decided_at, seq);
CREATE INDEX decisions_request ON decisions (request_id, purpose_id);
CREATE INDEX documents_sha256 ON documents (sha256);
ALTER TABLE consent_requests ADD COLUMN seal_state TEXT;
