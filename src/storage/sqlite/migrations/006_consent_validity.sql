-- Consent validity: a granted decision counts until `valid_until` (ISO 8601 UTC instant, computed
-- by the use case from the form's validForMonths/validUntil and the day consent was given). The
-- status projection (subject_status.current_decisions, migration 004) gets it as a 7th element:
-- [requestId, formId, purposeId, granted, required, decidedAt, validUntil|null].
-- Rows decided before this migration keep NULL, "no end recorded": the rule counts in Amsterdam
-- calendar days from the signature or the date on the paper (which only the events hold), so it
-- is not redone in SQL. Such consents count until they are withdrawn or decided again.
ALTER TABLE decisions ADD COLUMN valid_until TEXT;
-- The same end on the request itself, so GET /consent-requests/{id} can show it.
ALTER TABLE consent_requests ADD COLUMN valid_until TEXT;
