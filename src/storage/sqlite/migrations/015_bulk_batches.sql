-- Many at once (issue 11, dashboard): a list of people sent one form, and its rows.
-- The activity's name and each row (as entered, and who receives it) are personal data: encrypted.
CREATE TABLE bulk_batches (
  id TEXT PRIMARY KEY,
  organisation_id TEXT NOT NULL REFERENCES organisations (id),
  form_id TEXT NOT NULL,
  activity_enc TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('preview', 'sending', 'done')),
  confirmed_at TEXT,
  finished_at TEXT
);
CREATE INDEX bulk_batches_by_organisation ON bulk_batches (organisation_id, created_at);
CREATE INDEX bulk_batches_sending ON bulk_batches (state) WHERE state = 'sending';

CREATE TABLE bulk_batch_rows (
  batch_id TEXT NOT NULL REFERENCES bulk_batches (id) ON DELETE CASCADE,
  row_no INTEGER NOT NULL,
  organisation_id TEXT NOT NULL,
  line INTEGER NOT NULL,
  -- JSON {input, plan}, encrypted.
  data_enc TEXT NOT NULL,
  -- JSON [{path, message}] of rule texts (never a value of the row).
  problems TEXT NOT NULL DEFAULT '[]',
  state TEXT NOT NULL CHECK (state IN ('invalid', 'ready', 'created', 'failed')),
  request_id TEXT,
  PRIMARY KEY (batch_id, row_no)
);
CREATE INDEX bulk_batch_rows_ready ON bulk_batch_rows (batch_id, row_no) WHERE state = 'ready';
