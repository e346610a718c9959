-- Organisations as tenants (issue 10). Each organisation's settings: contact data in plain JSON
-- (an organisation's phone, e-mail and website are not a person's data); the data protection
-- officer's contact can name a person, so it is encrypted with the field cipher; the logo is a
-- PNG we re-encoded ourselves (src/organisations/organisation-logo.ts).
ALTER TABLE organisations ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
ALTER TABLE organisations ADD COLUMN dpo_contact_enc TEXT;
ALTER TABLE organisations ADD COLUMN logo_png BLOB;

-- Bumped by every API key revocation, in the same transaction: each process compares it with the
-- value it saw when it remembered a key, so a revoke takes effect at once everywhere.
CREATE TABLE api_key_generation (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  generation INTEGER NOT NULL
);
INSERT INTO api_key_generation (id, generation) VALUES (1, 0);
