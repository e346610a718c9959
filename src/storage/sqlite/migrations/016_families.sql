-- Both parents (issue 12). A second guardian gets a consent request of their own, linked to the
-- first guardian's: the family, whose id is the first guardian's request id. Each signer's
-- decision rows stay their own (decisions.request_id = the signer's request); the status
-- projection combines a family's rows in TypeScript (src/consent/family-consent.ts).
-- primary_request_id: NULL for a first request. signer_slot follows from signer_role for every
-- request stored before this migration. authority: what the guardian declared when deciding.
ALTER TABLE consent_requests ADD COLUMN primary_request_id TEXT REFERENCES consent_requests (id);
ALTER TABLE consent_requests ADD COLUMN signer_slot TEXT NOT NULL DEFAULT 'guardian'
  CHECK (signer_slot IN ('guardian', 'second-guardian', 'participant'));
UPDATE consent_requests SET signer_slot = 'participant' WHERE signer_role = 'participant';
ALTER TABLE consent_requests ADD COLUMN authority TEXT CHECK (authority IN ('sole', 'joint'));
-- The requests of a family.
CREATE INDEX consent_requests_family ON consent_requests (organisation_id, primary_request_id) WHERE primary_request_id IS NOT NULL;

-- Each decision row carries what the projection needs, so it reads no other table.
-- needs_all_guardians: the purpose needs every guardian with joint authority (copied from the form).
ALTER TABLE decisions ADD COLUMN family_id TEXT;
UPDATE decisions SET family_id = request_id;
ALTER TABLE decisions ADD COLUMN signer_slot TEXT NOT NULL DEFAULT 'guardian';
UPDATE decisions SET signer_slot = 'participant'
  WHERE request_id IN (SELECT id FROM consent_requests WHERE signer_role = 'participant');
ALTER TABLE decisions ADD COLUMN authority TEXT;
ALTER TABLE decisions ADD COLUMN needs_all_guardians INTEGER NOT NULL DEFAULT 0;
