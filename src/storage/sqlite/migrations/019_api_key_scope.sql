-- Issue 13: an API key may be limited to reading consent status (the registration system's
-- lookups, single and batch): scope 'status-read'. Every key made before this keeps full access.
ALTER TABLE api_keys ADD COLUMN scope TEXT NOT NULL DEFAULT 'full';
