import { isAppError } from '../../src/errors';
import { cancelConsent } from '../../src/consent/cancel-consent';
import { familyOf, inviteSecondGuardian } from '../../src/consent/second-guardian';
import type { RequestConsentDeps } from '../../src/consent/request-consent';
import { adultRequest, auth, childRequest, createTestApp, type TestApp } from '../helpers/test-app';

describe('inviteSecondGuardian (issue 12: both parents)', () => {
  let app: TestApp;
  let deps: RequestConsentDeps;
  beforeEach(async () => {
    app = await createTestApp();
    const c = app.container;
    deps = { store: c.store, forms: c.forms, tokens: c.tokens, clock: c.clock, publicBaseUrl: c.config.publicBaseUrl, defaultExpiryDays: c.config.defaultExpiryDays, reminderDefaults: c.config.reminders };
  });
  afterEach(async () => app.close());

  async function createPrimary(body: Record<string, unknown> = childRequest()): Promise<string> {
    const res = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(body);
    expect(res.status).toBe(201);
    return res.body.id as string;
  }
  const second = { name: 'Bram de Vries', channel: 'sms' as const, phone: '06 87654321' };
  const failure = async (p: Promise<unknown>) => p.then(() => null, (e: unknown) => (isAppError(e) ? { code: e.code, paths: (e.errors ?? []).map((x) => x.path) } : e));

  test('when a caller invites the second guardian, then a linked request of the same subject and form version is made, with its own invite and events on both chains', async () => {
    const primaryId = await createPrimary();
    const created = await inviteSecondGuardian(deps, app.organisationId, primaryId, 'api:key_1', { recipient: second });
    const primary = (await app.container.store.getConsentRequest(app.organisationId, primaryId))!;
    const stored = (await app.container.store.getConsentRequest(app.organisationId, created.id))!;
    expect(stored).toMatchObject({ primaryRequestId: primaryId, signerSlot: 'second-guardian', signerRole: 'guardian', status: 'pending', formId: primary.formId, formVersion: primary.formVersion, subject: primary.subject });
    expect(stored.recipient).toMatchObject({ name: 'Bram de Vries', channel: 'sms', address: '+31687654321', maskedAddress: '+316••••4321' });
    expect(stored.tokenHash).not.toBe(primary.tokenHash);
    // The day the child turns 16 is kept with the second guardian's request too (the daily job reads it).
    expect(stored.turns16On).toBe(primary.turns16On);
    expect(stored.turns16On).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect((await app.container.store.listEvents(app.organisationId, created.id)).map((e) => [e.type, e.actor])).toEqual([['created', 'api:key_1']]);
    const invited = (await app.container.store.listEvents(app.organisationId, primaryId)).find((e) => e.type === 'second_guardian_invited')!;
    expect(invited.detail).toEqual({ channel: 'sms', maskedAddress: '+316••••4321', secondRequestId: created.id, origin: 'caller' });
    expect((await app.container.store.listOutboxMessages(app.organisationId, created.id)).map((m) => [m.kind, m.channel, m.state])).toEqual([['invite', 'sms', 'queued']]);
    await app.container.worker.runOnce();
    const sent = (await app.container.store.listDevOutbox(10)).filter((e) => e.requestId === created.id);
    expect(sent.map((e) => e.to)).toEqual(['+31687654321']);
    expect((await familyOf(deps, app.organisationId, created.id)).map((r) => r.id)).toEqual([primaryId, created.id]);
    expect((await familyOf(deps, app.organisationId, primaryId)).map((r) => r.signerSlot)).toEqual(['guardian', 'second-guardian']);
  });

  test('when the second address is the first guardian\'s own, or the name is missing, then it is refused naming the field', async () => {
    const primaryId = await createPrimary();
    expect(await failure(inviteSecondGuardian(deps, app.organisationId, primaryId, 'api:k', { recipient: { ...second, phone: '+31 6 12345678' } }))).toEqual({ code: 'validation_failed', paths: ['recipient.phone'] });
    expect(await failure(inviteSecondGuardian(deps, app.organisationId, primaryId, 'api:k', { recipient: { channel: 'sms', phone: '0687654321' } }))).toEqual({ code: 'validation_failed', paths: ['recipient.name'] });
    const emailPrimary = await createPrimary(childRequest({ subject: { reference: 'REG-7', firstName: 'Lot', dateOfBirth: '2015-03-01' }, recipient: { name: 'Ans', channel: 'email', email: 'Ans@Example.nl' } }));
    expect(await failure(inviteSecondGuardian(deps, app.organisationId, emailPrimary, 'api:k', { recipient: { name: 'B', channel: 'email', email: 'ans@example.NL' } }))).toEqual({ code: 'validation_failed', paths: ['recipient.email'] });
    expect(await failure(inviteSecondGuardian(deps, app.organisationId, emailPrimary, 'api:k', { recipient: { name: 'B', channel: 'email' } }))).toEqual({ code: 'validation_failed', paths: ['recipient.email'] });
  });

  test('when a second request is still open, or the signer invites a second time, then it is refused (409); a caller may invite again after a cancel', async () => {
    const primaryId = await createPrimary();
    const first = await inviteSecondGuardian(deps, app.organisationId, primaryId, 'recipient', { recipient: second }, { origin: 'signer' });
    expect(await failure(inviteSecondGuardian(deps, app.organisationId, primaryId, 'api:k', { recipient: { ...second, phone: '0611112222' } }))).toEqual({ code: 'conflict', paths: [] });
    await cancelConsent(deps, app.organisationId, first.id, 'api:k');
    expect(await failure(inviteSecondGuardian(deps, app.organisationId, primaryId, 'recipient', { recipient: second }, { origin: 'signer' }))).toEqual({ code: 'conflict', paths: [] });
    const again = await inviteSecondGuardian(deps, app.organisationId, primaryId, 'api:k', { recipient: second });
    expect((await familyOf(deps, app.organisationId, primaryId)).map((r) => [r.id, r.status])).toEqual([[primaryId, 'pending'], [first.id, 'cancelled'], [again.id, 'pending']]);
  });

  test('when the request is a participant\'s, a second guardian\'s, cancelled, or another organisation\'s, then it is refused', async () => {
    const adult = await createPrimary(adultRequest());
    expect(await failure(inviteSecondGuardian(deps, app.organisationId, adult, 'api:k', { recipient: second }))).toEqual({ code: 'conflict', paths: [] });
    const primaryId = await createPrimary();
    const secondReq = await inviteSecondGuardian(deps, app.organisationId, primaryId, 'api:k', { recipient: second });
    expect(await failure(inviteSecondGuardian(deps, app.organisationId, secondReq.id, 'api:k', { recipient: { ...second, phone: '0611112222' } }))).toEqual({ code: 'conflict', paths: [] });
    expect(await failure(inviteSecondGuardian(deps, app.other.organisationId, primaryId, 'api:k', { recipient: second }))).toEqual({ code: 'not_found', paths: [] });
    expect(await failure(familyOf(deps, app.other.organisationId, primaryId))).toEqual({ code: 'not_found', paths: [] });
    const cancelled = await createPrimary(childRequest({ subject: { reference: 'REG-9', firstName: 'Mo', dateOfBirth: '2013-05-05' } }));
    await cancelConsent(deps, app.organisationId, cancelled, 'api:k');
    expect(await failure(inviteSecondGuardian(deps, app.organisationId, cancelled, 'api:k', { recipient: second }))).toEqual({ code: 'conflict', paths: [] });
  });
});
