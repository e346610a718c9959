-- The status API (the registration systems' hot path) reads one row per subject: the latest
-- decision per (form, purpose), kept up to date in the same transaction that adds decision rows.
-- The decisions table stays the source of truth; this is a projection of it, rebuilt from it here.
-- Anything that deletes a subject's decisions must delete its row here too.
CREATE TABLE subject_status (
  organisation_id TEXT NOT NULL,
  subject_reference TEXT NOT NULL,
  -- JSON array of [requestId, formId, purposeId, granted 0|1, required 0|1, decidedAt ISO], in
  -- the order each (form, purpose) was first decided.
  current_decisions TEXT NOT NULL,
  PRIMARY KEY (organisation_id, subject_reference)
) WITHOUT ROWID;

INSERT INTO subject_status (organisation_id, subject_reference, current_decisions)
SELECT organisation_id, subject_reference, json_group_array(json(decision))
FROM (
  SELECT organisation_id, subject_reference, first_seq,
         json_array(request_id, form_id, purpose_id, granted, required, decided_at) AS decision
  FROM (
    SELECT d.*,
           row_number() OVER (PARTITION BY organisation_id, subject_reference, form_id, purpose_id ORDER BY decided_at DESC, seq DESC) AS rn,
           min(seq) OVER (PARTITION BY organisation_id, subject_reference, form_id, purpose_id) AS first_seq
    FROM decisions d
  )
  WHERE rn = 1
  ORDER BY organisation_id, subject_reference, first_seq
)
GROUP BY organisation_id, subject_reference;
