import { AppError } from '../errors';
import { createApiKey, revokeApiKey } from '../organisations/api-keys';
import type { Clock } from '../shared/clock';
import { cleanText, TEXT_PROBLEM_MESSAGES } from '../shared/text';
import type { ApiKeyRecord, Store } from '../storage/store';
import type { StaffPrincipal } from './staff';

/**
 * An organisation's API keys as its administrators see them in the dashboard: the same use cases
 * as the CLI (organisations/api-keys.ts), scoped to the administrator's own organisation. A key is
 * recognised by its fingerprint, the first 8 hex digits of the SHA-256 the store keeps; the
 * secret itself is shown once, when it is made.
 */
export interface ApiKeyRow {
  id: string;
  name: string;
  fingerprint: string;
  createdAt: Date;
  revokedAt: Date | null;
  /** The key may only read consent status (issue 13). */
  readOnly: boolean;
}

type Deps = { store: Store; clock: Clock };

const fingerprintOf = (key: Pick<ApiKeyRecord, 'keyHash'>): string => key.keyHash.slice(0, 8);
const toRow = (key: ApiKeyRecord): ApiKeyRow => ({ id: key.id, name: key.name, fingerprint: fingerprintOf(key), createdAt: key.createdAt, revokedAt: key.revokedAt, readOnly: key.scope === 'status-read' });

/** Active keys first (newest first), then revoked ones. */
export async function listOrganisationApiKeys(deps: Pick<Deps, 'store'>, staff: StaffPrincipal): Promise<ApiKeyRow[]> {
  const keys = (await deps.store.listApiKeys(staff.organisationId)).map(toRow);
  return keys.sort((a, b) => Number(a.revokedAt !== null) - Number(b.revokedAt !== null) || b.createdAt.getTime() - a.createdAt.getTime());
}

export async function createOrganisationApiKey(deps: Deps, staff: StaffPrincipal, rawName: string, readOnly = false): Promise<{ key: ApiKeyRow; secret: string }> {
  const name = cleanText(rawName);
  if (!name.ok) throw AppError.validation('name', TEXT_PROBLEM_MESSAGES[name.problem]);
  if (name.value.length > 100) throw AppError.validation('name', 'At most 100 characters.');
  const { record, secret } = await createApiKey(deps, staff.organisationId, name.value, readOnly ? 'status-read' : 'full');
  return { key: toRow(record), secret };
}

/** Revokes one of the organisation's own keys; another organisation's key is "not found". */
export async function revokeOrganisationApiKey(deps: Deps, staff: StaffPrincipal, keyId: string): Promise<void> {
  const own = (await deps.store.listApiKeys(staff.organisationId)).some((k) => k.id === keyId);
  if (!own) throw new AppError('not_found', `There is no API key ${keyId}.`);
  await revokeApiKey(deps, keyId);
}
