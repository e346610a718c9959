import { AppError } from '../errors';

/**
 * Page cursors: the last item's id (or place) in base64url, so a caller passes `nextCursor` back
 * as it got it and does not build one. Used by the API's lists and the dashboard's pages.
 */
export function encodeCursor(id: string): string;
export function encodeCursor(id: string | null): string | null;
export function encodeCursor(id: string | null): string | null {
  return id === null ? null : Buffer.from(id, 'utf8').toString('base64url');
}

/** What a cursor holds when it has the expected `shape`; null otherwise (a page shows its first page). */
export function cursorValue(cursor: string, shape: RegExp): string | null {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  return shape.test(id) ? id : null;
}

/** An API list's `cursor` query: null when absent, a 422 naming `query.cursor` when it is not one of ours. */
export function decodeCursor(cursor: string | undefined, shape: RegExp): string | null {
  if (cursor === undefined) return null;
  const id = cursorValue(cursor, shape);
  if (id === null) throw AppError.validation('query.cursor', 'This cursor is not valid; use nextCursor from a previous page.');
  return id;
}
