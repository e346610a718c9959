/**
 * How the SQLite adapter writes and reads values it stores as text: times as ISO 8601 UTC strings.
 * One set for every part of the adapter, so a time is spelled the same in every table.
 */
export type Row = Record<string, unknown>;
export const iso = (d: Date): string => d.toISOString();
export const isoOrNull = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
export const date = (v: unknown): Date => new Date(String(v));
export const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(String(v)));
