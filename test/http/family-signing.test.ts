import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { inviteSecondGuardian } from '../../src/consent/second-guardian';
import { binary } from '../helpers/http';
import { flat, popplerTest, textOf } from '../helpers/pdf-tools';
import { auth, childRequest, createTestApp, deliverAndGetLink, openSigningPage, type TestApp } from '../helpers/test-app';

/**
 * Issue 12, both parents, on the signing pages: the guardian declares parental authority (sole or
 * joint), may give the other parent's contact, the other parent gets a link of their own, and the
 * done page says who has answered without showing the other parent's choices.
 */
const PHOTOS = { 'purpose_intern-gebruik': 'yes', purpose_website: 'yes', 'purpose_social-media': 'no' };
const SIGN = { ...PHOTOS, declaration: 'yes', signerName: 'Ans de Vries', action: 'sign' };

/** What a person reads: the page without tags and scripts, entities decoded. */
const visibleText = (html: string) =>
  html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

describe('both parents on the signing pages (issue 12)', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  async function photoLink(overrides: Record<string, unknown> = {}) {
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest({ formId: 'beeldmateriaal', ...overrides }));
    expect(created.status).toBe(201);
    const link = await deliverAndGetLink(app, created.body.id);
    const session = await openSigningPage(app, link);
    const post = (body: Record<string, string>, path = link) => app.http.post(path).set('Cookie', session.cookie).type('form').send({ _csrf: session.csrf, ...body });
    return { id: created.body.id as string, link, session, post };
  }
  const record = (id: string) => app.container.store.getConsentRequest(app.organisationId, id);
  /** The family's requests: the first guardian's and every second guardian's linked to it. */
  const familyIds = async (id: string) => (await app.container.store.listFamilyRequests(app.organisationId, id)).map((r) => r.id);
  const secondOf = async (id: string) => (await familyIds(id)).find((x) => x !== id) ?? null;
  const pdfText = async (id: string) => {
    const doc = await app.http.get(`/api/v1/consent-requests/${id}/document`).set(auth(app.apiKey)).buffer(true).parse(binary);
    expect(doc.status).toBe(200);
    const dir = mkdtempSync(join(tmpdir(), 'akkoord-family-'));
    try {
      writeFileSync(join(dir, 'r.pdf'), doc.body as Buffer);
      return flat(textOf(join(dir, 'r.pdf')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  test('when a guardian opens the link, then the page asks about parental authority (sole or joint, with what joint means) and offers the other parent\'s contact fields without JavaScript', async () => {
    const { session } = await photoLink();
    const text = visibleText(session.page.text);
    expect(text).toContain('Ouderlijk gezag');
    expect(text).toContain('Ik heb alleen het gezag over Sam');
    expect(text).toContain('Ik heb samen met iemand anders het gezag over Sam (bijvoorbeeld de andere ouder)');
    expect(text).toContain("Voor foto's en medische gegevens moeten u en de andere ouder allebei Ja zeggen.");
    for (const name of ['authority', 'second_name', 'second_channel', 'second_email', 'second_phone']) expect(session.page.text).toContain(`name="${name}"`);
    expect(session.page.text).not.toMatch(/<input[^>]*name="authority"[^>]*checked/);
  });

  test('when a guardian signs without declaring parental authority, then nothing is recorded and the error summary links to the field, with the answers kept', async () => {
    const { id, post } = await photoLink();
    const res = await post(SIGN);
    expect(res.status).toBe(422);
    expect(res.text).toContain('<a href="#authority-sole">Ouderlijk gezag: Kies of u alleen of samen met iemand anders het gezag heeft.</a>');
    expect(res.text).toContain('id="error-authority"');
    expect(res.text).toMatch(/<input[^>]*id="purpose_website-yes"[^>]*checked/);
    expect((await record(id))!.status).toBe('opened');
  });

  test('when a guardian declines without declaring parental authority, then the decline is recorded (declining stays simple); a declaration given is recorded too', async () => {
    const { id, post } = await photoLink();
    const res = await post({ action: 'decline', signerName: '' });
    expect(res.status).toBe(303);
    expect((await record(id))!).toMatchObject({ status: 'declined', authority: null });
    const other = await photoLink({ subject: { reference: 'REG-1043', firstName: 'Mo', lastName: 'de Vries', dateOfBirth: '2014-04-02' } });
    expect((await other.post({ action: 'decline', signerName: '', authority: 'joint' })).status).toBe(303);
    expect((await record(other.id))!).toMatchObject({ status: 'declined', authority: 'joint' });
  });

  popplerTest('when a guardian declares sole authority and signs, then it is recorded in the request, the signed event and the PDF', async () => {
    const { id, post } = await photoLink();
    const res = await post({ ...SIGN, authority: 'sole' });
    expect(res.status).toBe(303);
    const stored = (await record(id))!;
    expect(stored).toMatchObject({ status: 'signed', authority: 'sole' });
    const events = await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey));
    const signed = (events.body.data as { type: string; detail: Record<string, unknown> }[]).find((e) => e.type === 'signed')!;
    expect(signed.detail.authority).toBe('sole');
    const pdf = await pdfText(id);
    expect(pdf).toContain('Ouderlijk gezag alleen (verklaard door de ondertekenaar)');
    expect(await secondOf(id)).toBeNull();
  });

  test('when a guardian declares joint authority and gives the other parent\'s e-mail, then after signing the other parent gets a request and an invite of their own', async () => {
    const { id, link, post } = await photoLink();
    const res = await post({ ...SIGN, authority: 'joint', second_name: 'Bas de Vries', second_channel: 'email', second_email: 'bas.devries@example.nl', second_phone: '' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(link);
    expect((await record(id))!.authority).toBe('joint');
    const second = await secondOf(id);
    expect(second).not.toBeNull();
    const other = (await record(second!))!;
    expect(other).toMatchObject({ signerSlot: 'second-guardian', primaryRequestId: id, formId: 'beeldmateriaal', formVersion: (await record(id))!.formVersion });
    await app.container.worker.runOnce();
    const outbox = await app.container.store.listDevOutbox(100);
    expect(outbox.filter((m) => m.requestId === second).map((m) => [m.channel, m.to])).toEqual([['email', 'bas.devries@example.nl']]);
    const invitedEvent = (await app.container.store.listEvents(app.organisationId, id)).find((e) => e.type === 'second_guardian_invited');
    expect(invitedEvent).toMatchObject({ actor: 'recipient', detail: expect.objectContaining({ origin: 'signer', secondRequestId: second }) });
    const done = visibleText((await app.http.get(link)).text);
    expect(done).toContain('Wie heeft geantwoord?');
    expect(done).toContain('U: getekend op');
    expect(done).toContain('De andere ouder: uitgenodigd, nog geen antwoord');
    expect(done).toContain('Voor deze onderdelen moeten u en de andere ouder allebei Ja zeggen.');
    expect(done).not.toContain('Stuur de link naar de andere ouder');
  });

  test('when the other parent\'s contact is the signer\'s own number, then nothing is recorded, the error says so in plain words and everything typed is kept', async () => {
    const { id, post } = await photoLink();
    const res = await post({ ...SIGN, authority: 'joint', second_name: 'Bas de Vries', second_channel: 'sms', second_phone: '+31 6 12345678', second_email: '' });
    expect(res.status).toBe(422);
    expect(visibleText(res.text)).toContain('Dit is uw eigen nummer. De andere ouder krijgt een eigen link.');
    expect(res.text).toContain('<a href="#second_phone">');
    expect(res.text).toContain('value="Bas de Vries"');
    expect(res.text).toContain('value="+31 6 12345678"');
    expect(res.text).toMatch(/<input[^>]*id="authority-joint"[^>]*checked/);
    expect(res.text).toMatch(/<input[^>]*id="second_channel-sms"[^>]*checked/);
    expect((await record(id))!.status).toBe('opened');
    expect(await secondOf(id)).toBeNull();
  });

  test('when the other parent\'s name or address is missing or wrong, then each field gets its own error and nothing is recorded', async () => {
    const { id, post } = await photoLink();
    const res = await post({ ...SIGN, authority: 'joint', second_name: '', second_channel: 'email', second_email: 'geen-adres' });
    expect(res.status).toBe(422);
    const text = visibleText(res.text);
    expect(text).toContain('Vul de naam van de andere ouder in.');
    expect(text).toContain('Dit e-mailadres klopt niet. Kijk het na.');
    expect((await record(id))!.status).toBe('opened');
  });

  test('when a guardian with sole authority leaves contact fields filled in, then they are ignored: signed, nobody invited', async () => {
    const { id, post } = await photoLink();
    const res = await post({ ...SIGN, authority: 'sole', second_name: 'Bas', second_channel: 'email', second_email: 'x' });
    expect(res.status).toBe(303);
    expect(await secondOf(id)).toBeNull();
  });

  test('when the language is switched or the decline step is left with "back", then the authority and the other parent\'s contact are still filled in', async () => {
    const { link, post } = await photoLink();
    const typed = { authority: 'joint', second_name: 'Bas de Vries', second_channel: 'email', second_email: 'bas.devries@example.nl' };
    const switched = await post({ ...PHOTOS, ...typed, action: 'lang' }, `${link}?lang=en`);
    expect(switched.status).toBe(200);
    expect(switched.text).toContain('lang="en"');
    expect(switched.text).toMatch(/<input[^>]*id="authority-joint"[^>]*checked/);
    expect(switched.text).toContain('value="bas.devries@example.nl"');
    const review = await post({ ...PHOTOS, ...typed, action: 'review-decline' });
    expect(review.text).toContain('name="second_email" value="bas.devries@example.nl"');
    const back = await post({ ...PHOTOS, ...typed, action: 'back' });
    expect(back.text).toContain('value="Bas de Vries"');
    expect(back.text).toMatch(/<input[^>]*id="authority-joint"[^>]*checked/);
  });

  test('when a guardian with joint authority signed without the other parent\'s contact, then the done page invites once; a second invite from the page is refused in plain words', async () => {
    const { id, link, session, post } = await photoLink();
    expect((await post({ ...SIGN, authority: 'joint' })).status).toBe(303);
    const done = await app.http.get(link);
    expect(visibleText(done.text)).toContain('De andere ouder: nog niet uitgenodigd');
    expect(done.text).toContain(`action="${link}/second-guardian"`);
    const missing = await post({ second_name: 'Bas de Vries', second_channel: 'email', second_email: '' }, `${link}/second-guardian`);
    expect(missing.status).toBe(422);
    expect(visibleText(missing.text)).toContain('Vul het e-mailadres van de andere ouder in.');
    expect(missing.text).toContain('value="Bas de Vries"');
    const noCsrf = await app.http.post(`${link}/second-guardian`).set('Cookie', session.cookie).type('form').send({ _csrf: 'wrong', second_name: 'Bas', second_channel: 'email', second_email: 'bas.devries@example.nl' });
    expect(noCsrf.status).toBe(403);
    expect(await secondOf(id)).toBeNull();

    const invited = await post({ second_name: 'Bas de Vries', second_channel: 'email', second_email: 'bas.devries@example.nl' }, `${link}/second-guardian`);
    expect(invited.status).toBe(303);
    const second = await secondOf(id);
    expect(second).not.toBeNull();
    expect(visibleText((await app.http.get(link)).text)).toContain('De andere ouder: uitgenodigd, nog geen antwoord');
    // While that link is open, the page offers no second invite.
    const again = await post({ second_name: 'Bas de Vries', second_channel: 'email', second_email: 'bas2@example.nl' }, `${link}/second-guardian`);
    expect(again.status).toBe(409);
    expect(visibleText(again.text)).toContain('Uitnodigen kan niet meer via deze pagina.');
    // Stopped by the organisation: the form shows again, but the use case allows one invite from this public page.
    expect((await app.http.post(`/api/v1/consent-requests/${second}/cancel`).set(auth(app.apiKey))).status).toBe(200);
    const refused = await post({ second_name: 'Bas de Vries', second_channel: 'email', second_email: 'bas2@example.nl' }, `${link}/second-guardian`);
    expect(refused.status).toBe(409);
    expect(visibleText(refused.text)).toContain('De andere ouder is al uitgenodigd. Een nieuwe link kan alleen Demo sturen.');
    expect(await familyIds(id)).toHaveLength(2);
  });

  test('when a joint guardian\'s done page is opened afresh, then its withdraw form and its invite form carry the one CSRF value of the cookie set', async () => {
    const { link, post } = await photoLink();
    expect((await post({ ...SIGN, authority: 'joint' })).status).toBe(303);
    const fresh = await app.http.get(link);
    const cookies = (fresh.headers['set-cookie'] as unknown as string[]).filter((c) => c.startsWith('akkoord_csrf='));
    const fields = [...fresh.text.matchAll(/name="_csrf" value="([^"]+)"/g)].map((m) => m[1]);
    expect(fields).toHaveLength(2);
    expect(new Set(cookies.map((c) => c.split(';')[0]))).toEqual(new Set([`akkoord_csrf=${fields[0]}`]));
    expect(fields[1]).toBe(fields[0]);
  });

  test('when the invite after signing is refused (the organisation invited the other parent meanwhile), then the decision stays recorded and the done page says the other parent is invited', async () => {
    const { id, link, post } = await photoLink();
    const { container } = app;
    const deps = { store: container.store, forms: container.forms, tokens: container.tokens, clock: container.clock, publicBaseUrl: container.config.publicBaseUrl, defaultExpiryDays: container.config.defaultExpiryDays, reminderDefaults: container.config.reminders };
    await inviteSecondGuardian(deps, app.organisationId, id, 'system', { recipient: { name: 'Bas de Vries', channel: 'email', email: 'bas.devries@example.nl' } });
    const res = await post({ ...SIGN, authority: 'joint', second_name: 'Bas de Vries', second_channel: 'email', second_email: 'bas.werk@example.nl' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${link}?invite=failed`);
    expect((await record(id))!.status).toBe('signed');
    expect(await familyIds(id)).toHaveLength(2);
    const done = visibleText((await app.http.get(res.headers.location as string)).text);
    expect(done).toContain('De andere ouder: uitgenodigd, nog geen antwoord');
  });

  test('when a guardian with sole authority has signed, then the done page shows nothing about another parent and the invite route is refused', async () => {
    const { id, link, post } = await photoLink();
    expect((await post({ ...SIGN, authority: 'sole' })).status).toBe(303);
    const done = await app.http.get(link);
    expect(visibleText(done.text)).not.toContain('Wie heeft geantwoord?');
    const res = await post({ second_name: 'Bas', second_channel: 'email', second_email: 'bas.devries@example.nl' }, `${link}/second-guardian`);
    expect(res.status).toBe(409);
    expect(visibleText(res.text)).toContain('Uitnodigen kan niet meer via deze pagina. Neem contact op met Demo.');
    expect(await secondOf(id)).toBeNull();
  });

  popplerTest('when the second parent opens their link, then a box says why, the other parent\'s details never show, the confirmation is required and authority joint is recorded', async () => {
    const first = await photoLink();
    expect((await first.post({ ...SIGN, authority: 'joint', second_name: 'Bas de Vries', second_channel: 'email', second_email: 'bas.devries@example.nl' })).status).toBe(303);
    const secondId = (await secondOf(first.id))!;
    const secondLink = await deliverAndGetLink(app, secondId);
    const s = await openSigningPage(app, secondLink);
    const text = visibleText(s.page.text);
    expect(text).toContain('Waarom krijgt u dit formulier?');
    expect(text).toContain('U krijgt dit formulier omdat u samen met een andere ouder het gezag over Sam heeft.');
    expect(text).toContain('Ik heb samen met de andere ouder het gezag over Sam');
    expect(text).not.toContain('Ans de Vries');
    expect(text).not.toContain('06 12345678');
    expect(s.page.text).not.toContain('name="second_name"');
    const post = (body: Record<string, string>) => app.http.post(secondLink).set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf, ...body });
    const missing = await post({ ...PHOTOS, declaration: 'yes', signerName: 'Bas de Vries', action: 'sign' });
    expect(missing.status).toBe(422);
    expect(visibleText(missing.text)).toContain('Zet een vinkje als u samen met de andere ouder het gezag heeft.');
    expect(missing.text).toContain('<a href="#authority">');
    const signed = await post({ 'purpose_intern-gebruik': 'no', purpose_website: 'yes', 'purpose_social-media': 'yes', declaration: 'yes', authority: 'joint', signerName: 'Bas de Vries', action: 'sign' });
    expect(signed.status).toBe(303);
    expect((await record(secondId))!).toMatchObject({ status: 'signed', authority: 'joint' });
    const pdf = await pdfText(secondId);
    expect(pdf).toContain('samen met een andere ouder (verklaard door de ondertekenaar)');
    // The first request's id whole, on a row of its own (an id with a hyphen once wrapped there).
    expect(pdf).toContain('Ondertekenaar Tweede ouder met gezag');
    expect(pdf).toContain(`Hoort bij verzoek ${first.id}`);
    // Each done page says that the other answered, never what they chose.
    const secondDone = visibleText((await app.http.get(secondLink)).text);
    expect(secondDone).toContain('De andere ouder: heeft geantwoord');
    expect(secondDone).not.toContain('Ans de Vries');
    const firstDone = visibleText((await app.http.get(first.link)).text);
    expect(firstDone).toContain('De andere ouder: heeft geantwoord');
    expect(firstDone).not.toContain('Bas de Vries');
  });
});
