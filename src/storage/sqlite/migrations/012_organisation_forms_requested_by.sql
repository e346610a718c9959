-- Issue 10: the forms each organisation uses, and who asked for a consent request.
--
-- An organisation that never chose has no rows and forms_version 0: the use case
-- (src/consent/organisation-forms.ts) then gives it every shared form. Once it chooses, its rows
-- are the whole list. A row is a shared form from consent-forms/ (copy_yaml NULL) or the
-- organisation's own copy: the YAML it was given and the validated form as a snapshot (JSON), so
-- reads need no YAML parse. forms_version is raised by every write of the list: a write names the
-- version it read.
ALTER TABLE organisations ADD COLUMN forms_version INTEGER NOT NULL DEFAULT 0;
CREATE TABLE organisation_forms (
  organisation_id TEXT NOT NULL REFERENCES organisations(id),
  form_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  based_on TEXT,
  copy_yaml TEXT,
  copy_version TEXT,
  copy_content TEXT,
  added_at TEXT NOT NULL,
  PRIMARY KEY (organisation_id, form_id)
);

-- The youth worker who asked (POST field requestedBy): personal data, encrypted with the field
-- cipher (JSON of {name, role}), erased with the contact details.
ALTER TABLE consent_requests ADD COLUMN requested_by_enc TEXT;
