import type Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { projectPath } from '../../shared/paths';

/** Numbered SQL files in migrations/, each applied once, in order, inside its own transaction. */
export const MIGRATIONS_DIR = projectPath('src', 'storage', 'sqlite', 'migrations');

/** Work a migration needs from code (e.g. a key), run in that migration's transaction after its SQL. */
export type MigrationHooks = Record<string, (db: Database.Database) => void>;

export function applyMigrations(db: Database.Database, dir: string, hooks: MigrationHooks = {}): string[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const done = new Set(db.prepare('SELECT name FROM schema_migrations').pluck().all() as string[]);
  const files = readdirSync(dir).filter((f) => /^\d{3}_[a-z0-9_-]+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  for (const file of files) {
    if (done.has(file)) continue;
    const sql = readFileSync(join(dir, file), 'utf8');
    db.transaction(() => {
      db.exec(sql);
      hooks[file]?.(db);
      db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)').run(file, new Date().toISOString());
    })();
    applied.push(file);
  }
  return applied;
}

export function pendingMigrations(db: Database.Database, dir: string): string[] {
  const done = new Set(db.prepare('SELECT name FROM schema_migrations').pluck().all() as string[]);
  return readdirSync(dir).filter((f) => /^\d{3}_[a-z0-9_-]+\.sql$/.test(f) && !done.has(f));
}
