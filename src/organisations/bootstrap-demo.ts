import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import type { Store } from '../storage/store';
import { createApiKey } from './api-keys';
import { demoWelcome } from './demo-welcome';

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

/**
 * What a start prints about organisations: nothing once one exists. With an empty store, in
 * development and test the Demo organisation is created and its key printed once (demoWelcome);
 * in production nothing is created and no secret printed, only how to create the first one.
 */
export async function firstStart(deps: { store: Store; clock: Clock }, env: 'development' | 'test' | 'production', baseUrl: string): Promise<string | null> {
  if (env === 'production') {
    if ((await deps.store.countOrganisations()) > 0) return null;
    return 'Akkoord has no organisation yet. Create the first one, with its first API key, by running:\n\n  npm run akkoord -- org create --name "…"\n';
  }
  const demo = await bootstrapDemo(deps);
  return demo ? demoWelcome(baseUrl, demo.secret, deps.clock.now()) : null;
}
