import { inviteStaff, type StaffAuthSettings } from '../dashboard/accounts';
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
export async function firstStart(deps: { store: Store; clock: Clock; staffAuth?: StaffAuthSettings }, env: 'development' | 'test' | 'production', baseUrl: string): Promise<string | null> {
  if (env === 'production') {
    if ((await deps.store.countOrganisations()) > 0) return null;
    return 'Akkoord has no organisation yet. Create the first one, with its first API key and a set-up link for its first administrator, by running:\n\n  npm run akkoord -- org create --name "…" --admin-email <address>\n';
  }
  const demo = await bootstrapDemo(deps);
  if (!demo) return null;
  // The Demo administrator's dashboard set-up link (issue 11), printed once like the key.
  const admin = deps.staffAuth ? await inviteStaff({ store: deps.store, clock: deps.clock, staffAuth: deps.staffAuth, publicBaseUrl: baseUrl }, { organisationId: demo.organisationId, email: DEMO_ADMIN_EMAIL, role: 'admin' }) : null;
  return demoWelcome(baseUrl, demo.secret, deps.clock.now(), admin ? { email: admin.email, link: admin.link } : undefined);
}

/** The Demo organisation's administrator (a synthetic address: nothing is sent to it). */
export const DEMO_ADMIN_EMAIL = 'beheerder@demo.example';
