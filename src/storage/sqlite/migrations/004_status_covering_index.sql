-- The status API reads every decision of one subject in time order. A covering index answers that
-- query from the index alone, without a lookup into the table per row (bench/results/micro-store.md).
DROP INDEX decisions_subject;
CREATE INDEX decisions_subject ON decisions (organisation_id, subject_reference, decided_at, seq, request_id, form_id, purpose_id, granted, required);
