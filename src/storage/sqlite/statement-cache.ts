import type Database from 'better-sqlite3';

import type { FieldCipher } from '../../privacy/field-cipher';
import type { EventRecord } from '../store';

/**
 * Prepared statements cached by their SQL text: preparing costs CPU, and each statement holds
 * native memory until the garbage collector finalises it. One per store object.
 */
export class StatementCache {
  private readonly statements = new Map<string, Database.Statement>();

  prepare(db: Database.Database, text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }
}

/**
 * A part of the SQLite store kept in its own file (signer codes, lifecycle): the store's database,
 * its field cipher and its event chain (writes go in the caller's transaction), with its own
 * statement cache.
 */
export abstract class SqliteStorePart {
  private readonly statements = new StatementCache();

  constructor(
    protected readonly db: Database.Database,
    protected readonly cipher: FieldCipher,
    protected readonly insertEvent: (event: EventRecord) => void,
  ) {}

  protected sql(text: string): Database.Statement {
    return this.statements.prepare(this.db, text);
  }
}
