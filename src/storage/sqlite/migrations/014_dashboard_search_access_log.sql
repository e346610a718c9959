-- Issue 11, the dashboard's overview and access log.
--
-- Name search: names are encrypted (random IV), so per request the store keeps keyed hashes
-- (HMAC-SHA-256, key derived from AUDIT_CHAIN_KEY) of its normalised name terms: first name, last
-- name, full name and each word (src/privacy/name-search.ts). Written with the request; the rows of
-- requests stored before this migration are filled in code in this migration's transaction.
CREATE TABLE request_name_hashes (
  organisation_id TEXT NOT NULL,
  hash TEXT NOT NULL,
  request_id TEXT NOT NULL REFERENCES consent_requests(id),
  PRIMARY KEY (organisation_id, hash, request_id)
) WITHOUT ROWID;

-- The overview filters on status or form, newest first, 100,000 requests in one organisation.
CREATE INDEX consent_requests_org_status ON consent_requests (organisation_id, status, id);
CREATE INDEX consent_requests_org_form ON consent_requests (organisation_id, form_id, id);

-- Every view of personal data by staff: who (user id), what (action, request, a detail without
-- personal data), when. Append-only: the triggers refuse every change and every removal.
CREATE TABLE access_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  organisation_id TEXT NOT NULL REFERENCES organisations(id),
  user_id TEXT NOT NULL,
  action TEXT NOT NULL,
  request_id TEXT,
  detail TEXT,
  at TEXT NOT NULL
);
CREATE INDEX access_log_org ON access_log (organisation_id, seq);
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
