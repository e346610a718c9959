-- Staff accounts for the dashboard (issue 11). An e-mail address is personal data: it is stored
-- encrypted (field cipher) with a keyed hash beside it for sign-in lookups. Passwords are scrypt
-- hashes, the TOTP secret is encrypted, recovery codes, invite tokens and session ids are stored
-- as SHA-256 only, so a copy of the database signs nobody in.
CREATE TABLE staff_users (
  id TEXT PRIMARY KEY,
  organisation_id TEXT NOT NULL REFERENCES organisations(id),
  -- NULL once removed, so the address can be invited again.
  email_hash TEXT UNIQUE,
  email_enc TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'youth-worker')),
  password_hash TEXT,
  totp_secret_enc TEXT,
  -- The last TOTP time step used: a code of that step or an earlier one is refused.
  totp_last_step INTEGER,
  enrolled_at TEXT,
  created_at TEXT NOT NULL,
  removed_at TEXT
);
CREATE INDEX staff_users_organisation ON staff_users (organisation_id, created_at);

CREATE TABLE staff_invites (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES staff_users(id) ON DELETE CASCADE,
  organisation_id TEXT NOT NULL REFERENCES organisations(id),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT
);
CREATE INDEX staff_invites_user ON staff_invites (user_id);

CREATE TABLE staff_recovery_codes (
  user_id TEXT NOT NULL REFERENCES staff_users(id) ON DELETE CASCADE,
  code_hash TEXT NOT NULL,
  used_at TEXT,
  PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE staff_sessions (
  id_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES staff_users(id) ON DELETE CASCADE,
  organisation_id TEXT NOT NULL REFERENCES organisations(id),
  -- enrol: set-up after the password, before the TOTP; second-factor: password right, code next; active: signed in.
  stage TEXT NOT NULL CHECK (stage IN ('enrol', 'second-factor', 'active')),
  csrf_token TEXT NOT NULL,
  language TEXT NOT NULL CHECK (language IN ('nl', 'en')),
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL
);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);

-- Failed sign-in attempts per account (keyed hash of the e-mail address, whether or not an
-- account has it) and per client address (keyed hash of the IP address).
CREATE TABLE staff_sign_in_failures (
  subject TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_failure_at TEXT NOT NULL,
  blocked_until TEXT NOT NULL
);
