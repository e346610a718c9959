import { signInStaff, type StaffSession } from '../helpers/staff';
import { adultRequest, auth, childRequest, createTestApp, type TestApp } from '../helpers/test-app';

/**
 * Both parents on the dashboard's request detail (issue 12): the signers list, and the form that
 * sends the second parent their own link, over HTTP with a real signed-in session.
 */
let app: TestApp;
let worker: StaffSession;

beforeAll(async () => {
  app = await createTestApp();
  worker = await signInStaff(app, { role: 'youth-worker' });
});
afterAll(async () => {
  await app.close();
});

let n = 0;
async function createViaApi(body: Record<string, unknown> = childRequest()): Promise<string> {
  n += 1;
  const subject = { reference: `FAM-${n}`, firstName: 'Sam', lastName: `Gezin${n}`, dateOfBirth: '2014-04-02' };
  const res = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send({ ...body, subject: body.formId === 'inloop-16-plus' ? { ...subject, dateOfBirth: '2008-01-15' } : subject });
  expect(res.status).toBe(201);
  return res.body.id as string;
}
const invite = (id: string, fields: Record<string, string>, csrf = worker.csrf) => worker.agent.post(`/app/requests/${id}/second-guardian`).type('form').send({ _csrf: csrf, ...fields });

describe('request detail: signers and the second parent (issue 12)', () => {
  test('when a first guardian\'s request is shown, then the signers list names the parent and the form to send the second parent\'s link is there', async () => {
    const id = await createViaApi();
    const page = await worker.agent.get(`/app/requests/${id}`).expect(200);
    expect(page.text).toContain('Ondertekenaars');
    expect(page.text).toMatch(/<th scope="row"[^>]*>Ouder<\/th>/);
    expect(page.text).toContain('Ans de Vries');
    expect(page.text).toContain('Stuur de link naar de tweede ouder');
    expect(page.text).toContain(`action="/app/requests/${id}/second-guardian"`);
  });

  test('when the form is sent, then the second parent\'s request is made by this staff member, the page lists both and no longer offers the form', async () => {
    const id = await createViaApi();
    const res = await invite(id, { name: 'Bram de Vries', channel: 'sms', address: '06 87654321' }).expect(303);
    expect(res.headers.location).toBe(`/app/requests/${id}?done=secondGuardian`);
    const family = await app.container.store.listFamilyRequests(app.organisationId, id);
    expect(family.map((r) => [r.signerSlot, r.recipient.name])).toEqual([['guardian', 'Ans de Vries'], ['second-guardian', 'Bram de Vries']]);
    const events = await app.container.store.listEvents(app.organisationId, id);
    expect(events.at(-1)).toMatchObject({ type: 'second_guardian_invited', actor: `staff:${worker.userId}`, detail: { origin: 'caller', channel: 'sms' } });
    const page = await worker.agent.get(res.headers.location!).expect(200);
    expect(page.text).toContain('De link gaat naar de tweede ouder.');
    expect(page.text).toContain('Link gestuurd naar de tweede ouder');
    expect(page.text).toMatch(/<th scope="row"[^>]*>Tweede ouder<\/th>/);
    expect(page.text).toContain(`href="/app/requests/${family[1]!.id}"`);
    expect(page.text).not.toContain('Stuur de link naar de tweede ouder');
    // The second parent's own page lists the family too, without the form.
    const second = await worker.agent.get(`/app/requests/${family[1]!.id}`).expect(200);
    expect(second.text).toContain(`href="/app/requests/${id}"`);
    expect(second.text).not.toContain('Stuur de link naar de tweede ouder');
    // Sent again (a second tab): 409 with a friendly message, nothing new.
    const again = await invite(id, { name: 'Bram de Vries', channel: 'sms', address: '06 11112222' });
    expect(again.status).toBe(409);
    expect(again.text).toContain('Dit kan nu niet.');
    expect(await app.container.store.listFamilyRequests(app.organisationId, id)).toHaveLength(2);
  });

  test('when fields are missing or wrong, or the address is the first parent\'s, then 422 with the error summary linking each field, and nothing is made', async () => {
    const id = await createViaApi();
    const empty = await invite(id, { name: '', channel: 'sms', address: '' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('class="error-summary"');
    expect(empty.text).toContain('href="#field-sg-name"');
    expect(empty.text).toContain('Vul de naam van de tweede ouder in.');
    expect(empty.text).toContain('href="#field-sg-address"');
    const wrong = await invite(id, { name: 'Bram', channel: 'email', address: 'geen-adres' });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('Dit is geen goed e-mailadres.');
    expect(wrong.text).toContain('value="geen-adres"');
    const same = await invite(id, { name: 'Bram', channel: 'sms', address: '+31 6 12345678' });
    expect(same.status).toBe(422);
    expect(same.text).toContain('Dit is het nummer of adres van de eerste ouder.');
    expect(await app.container.store.listFamilyRequests(app.organisationId, id)).toHaveLength(1);
  });

  test('when the form is posted without _csrf, for a participant\'s request, or for another organisation\'s, then it is refused and nothing is made', async () => {
    const id = await createViaApi();
    expect((await invite(id, { name: 'Bram', channel: 'sms', address: '06 87654321' }, '')).status).toBe(403);
    const adult = await createViaApi(adultRequest());
    expect((await worker.agent.get(`/app/requests/${adult}`).expect(200)).text).not.toContain('Stuur de link naar de tweede ouder');
    expect((await invite(adult, { name: 'Bram', channel: 'sms', address: '06 87654321' })).status).toBe(409);
    const res = await app.http.post('/api/v1/consent-requests').set(auth(app.other.apiKey)).send(childRequest());
    expect((await invite(res.body.id as string, { name: 'Bram', channel: 'sms', address: '06 87654321' })).status).toBe(404);
    expect(await app.container.store.listFamilyRequests(app.organisationId, id)).toHaveLength(1);
    expect(await app.container.store.listFamilyRequests(app.other.organisationId, res.body.id as string)).toHaveLength(1);
  });

  test('when the page is shown in English, then the signers and the form are in English', async () => {
    const id = await createViaApi();
    const page = await worker.agent.get(`/app/requests/${id}?lang=en`).expect(200);
    expect(page.text).toContain('Signers');
    expect(page.text).toContain('Send the link to the second parent');
    await worker.agent.get(`/app/requests/${id}?lang=nl`).expect(200);
  });
});

describe('request detail: the timeline names the events of issue 12', () => {
  test('when a request has code, turning-16, renewal and lapse events, then each has its own Dutch line and none falls back to "Gebeurtenis"', async () => {
    const id = await createViaApi();
    const types = ['signer_code_sent', 'signer_code_failed', 'signer_verified', 'subject.turning_16', 'reconfirmation_requested', 'renewal_due', 'renewal_requested', 'lapsed'];
    for (const [i, type] of types.entries()) {
      const at = app.clock.now();
      expect(await app.container.store.appendEvent({ id: `evt_timeline${i}`, requestId: id, organisationId: app.organisationId, type, at, actor: 'system', detail: {} })).toBe(true);
    }
    const page = await worker.agent.get(`/app/requests/${id}`).expect(200);
    for (const label of ['Code verstuurd', 'Verkeerde code ingevuld', 'Code klopt: ondertekenaar gecontroleerd', 'Wordt binnenkort 16', 'Jongere zelf om toestemming gevraagd', 'Toestemming moet worden vernieuwd', 'Nieuw verzoek verstuurd om te vernieuwen', 'Toestemming verlopen']) {
      expect(page.text).toContain(label);
    }
    expect(page.text).not.toContain('Gebeurtenis:');
  });
});
