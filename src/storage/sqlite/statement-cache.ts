import type Database from 'better-sqlite3';

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
