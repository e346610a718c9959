-- Audit log that shows rewriting: keyed links, a keyed head per chain, no edits of events.
-- Existing events keep their unkeyed SHA-256 links ('sha256'); new ones are HMAC-SHA256 with
-- AUDIT_CHAIN_KEY ('hmac-sha256'), and a chain goes on from an old event into keyed ones.
ALTER TABLE events ADD COLUMN hash_alg TEXT NOT NULL DEFAULT 'sha256';

-- Per request: how many events its chain has and the last hash, sealed with an HMAC over the
-- request id, the count and the hash. Written with every event in the same transaction, so a
-- removed last event shows. The rows made here for existing chains are sealed by the store in
-- this migration's transaction (the key is not SQL's to know; see sqlite-store.ts).
CREATE TABLE audit_chain_heads (
  request_id TEXT PRIMARY KEY,
  events INTEGER NOT NULL,
  hash TEXT NOT NULL,
  mac TEXT
) WITHOUT ROWID;

INSERT INTO audit_chain_heads (request_id, events, hash, mac)
SELECT request_id, COUNT(*), (SELECT hash FROM events last WHERE last.request_id = e.request_id ORDER BY seq DESC LIMIT 1), NULL
FROM events e GROUP BY request_id;

-- How many chains and events the whole log has, sealed with an HMAC like the heads: a request
-- deleted with all its rows still shows. Written with every event; sealed in code like the heads.
CREATE TABLE audit_totals (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  chains INTEGER NOT NULL,
  events INTEGER NOT NULL,
  mac TEXT
);
INSERT INTO audit_totals (id, chains, events, mac) SELECT 1, COUNT(DISTINCT request_id), COUNT(*), NULL FROM events;

-- Append-only, enforced by the database as well as by the code.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER audit_chain_heads_no_delete BEFORE DELETE ON audit_chain_heads
BEGIN
  SELECT RAISE(ABORT, 'audit chain heads are kept');
END;
CREATE TRIGGER audit_totals_no_delete BEFORE DELETE ON audit_totals
BEGIN
  SELECT RAISE(ABORT, 'audit totals are kept');
END;
