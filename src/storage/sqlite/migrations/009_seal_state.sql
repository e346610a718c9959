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
