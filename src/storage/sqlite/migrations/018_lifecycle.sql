-- Turning 16, renewal and lapse (issue 12, src/jobs/lifecycle.ts). The organisation's lifecycle
-- policies live in the plain JSON `settings` column of migration 010, beside its other settings.

-- The day a guardian request's subject turns 16 (YYYY-MM-DD), in the clear so the daily job can
-- find who turns 16 without decrypting every date of birth every day. Only for guardian requests
-- (NULL otherwise); it goes with the request. Requests stored before this migration get it in
-- code (SqliteStore, decrypting the date of birth once), not in SQL.
ALTER TABLE consent_requests ADD COLUMN turns_16_on TEXT;
CREATE INDEX consent_requests_turns_16 ON consent_requests (turns_16_on) WHERE turns_16_on IS NOT NULL;
-- Signed requests by the end of their validity: renewal and lapse.
CREATE INDEX consent_requests_valid_until ON consent_requests (organisation_id, valid_until) WHERE valid_until IS NOT NULL;

-- One small row per subject the job flagged as turning 16: the status API reads it (one indexed
-- read, nothing to decrypt). young_request_id is reserved before the young person's own request
-- is made, so a crash never makes it twice nor loses it.
CREATE TABLE subject_lifecycle (
  organisation_id TEXT NOT NULL REFERENCES organisations (id),
  subject_reference TEXT NOT NULL,
  turns_16_on TEXT NOT NULL,
  guardian_request_id TEXT NOT NULL,
  flagged_at TEXT NOT NULL,
  young_request_id TEXT,
  young_requested_at TEXT,
  young_decided_at TEXT,
  PRIMARY KEY (organisation_id, subject_reference)
);

-- The young person's own contact, when the registration system supplies it: encrypted, erased
-- once used for their own request and at the latest 90 days after it was given.
CREATE TABLE subject_contacts (
  organisation_id TEXT NOT NULL REFERENCES organisations (id),
  subject_reference TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
  address_enc TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (organisation_id, subject_reference)
);
CREATE INDEX subject_contacts_by_age ON subject_contacts (updated_at);

-- Per signed request, its renewal: reserved (id chosen, request perhaps not made yet), requested,
-- no-contact (the address was erased), superseded (a newer request exists) or failed (a rule no
-- longer holds, e.g. the form was stopped). One row per request: never two renewals.
CREATE TABLE renewals (
  request_id TEXT PRIMARY KEY REFERENCES consent_requests (id),
  organisation_id TEXT NOT NULL,
  renewal_request_id TEXT,
  state TEXT NOT NULL CHECK (state IN ('reserved', 'requested', 'no-contact', 'superseded', 'failed')),
  at TEXT NOT NULL
);

-- Lifecycle events recorded once per request (`lapsed`): the mark and the event are written together.
CREATE TABLE lifecycle_marks (
  request_id TEXT NOT NULL REFERENCES consent_requests (id),
  kind TEXT NOT NULL,
  PRIMARY KEY (request_id, kind)
);
