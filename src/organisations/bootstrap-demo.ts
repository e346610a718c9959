import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import type { Store } from '../storage/store';
import { createApiKey } from './api-keys';

/**
 * On the very first start with an empty store, create the organisation "Demo" and a development
 * API key. The key is returned only then; it is never stored in readable form, so it can never
 * be printed again.
 */
export async function bootstrapDemo(deps: { store: Store; clock: Clock }): Promise<{ organisationId: string; secret: string } | null> {
  if ((await deps.store.countOrganisations()) > 0) return null;
  const now = deps.clock.now();
  const organisationId = newId('org', now);
  await deps.store.createOrganisation({ id: organisationId, name: 'Demo', createdAt: now });
  const { secret } = await createApiKey(deps, organisationId, 'dev');
  return { organisationId, secret };
}
