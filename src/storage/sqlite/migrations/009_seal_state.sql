-- The seal state now also names the good cases: a record with a time-stamp ('timestamped') and
-- one sealed while no time-stamp authority was configured ('no_timestamp_authority'); before,
-- both were NULL, like a request without a record. 'sealed_without_timestamp' (the TSA failed,
-- a job retries) stays as it is. Existing records are sorted by their events: a time-stamp
-- from the start is in the decision event's detail, a later one is a timestamp_added event.
UPDATE consent_requests SET seal_state = CASE
    WHEN EXISTS (
      SELECT 1 FROM events e WHERE e.request_id = consent_requests.id
        AND (e.type = 'timestamp_added' OR (e.type IN ('signed', 'declined') AND json_extract(e.detail, '$.timestamped') = 1))
    ) THEN 'timestamped'
    ELSE 'no_timestamp_authority'
  END
WHERE seal_state IS NULL
  AND EXISTS (SELECT 1 FROM documents d WHERE d.request_id = consent_requests.id AND d.kind IN ('consent-pdf', 'paper-record'));

-- Each document keeps its own seal state, so that withdrawal receipts get their time-stamp later
-- too; a version superseded by a time-stamped one is 'timestamp_added_later'. Existing documents
-- are found in the event that names their SHA-256 (documentSha256, receiptSha256); a
-- 'sealNote' there means the configured TSA failed.
ALTER TABLE documents ADD COLUMN seal_state TEXT;
UPDATE documents SET seal_state = (
  SELECT CASE
      WHEN EXISTS (SELECT 1 FROM events l WHERE l.request_id = documents.request_id AND l.type = 'timestamp_added' AND json_extract(l.detail, '$.previousDocumentSha256') = documents.sha256) THEN 'timestamp_added_later'
      WHEN e.type = 'timestamp_added' OR json_extract(e.detail, '$.timestamped') = 1 THEN 'timestamped'
      WHEN json_extract(e.detail, '$.sealNote') IS NOT NULL THEN 'sealed_without_timestamp'
      ELSE 'no_timestamp_authority'
    END
  FROM events e
  WHERE e.request_id = documents.request_id
    AND (json_extract(e.detail, '$.documentSha256') = documents.sha256 OR json_extract(e.detail, '$.receiptSha256') = documents.sha256)
  ORDER BY e.seq DESC LIMIT 1
);
CREATE INDEX documents_missing_timestamp ON documents (kind, created_at) WHERE seal_state = 'sealed_without_timestamp';
