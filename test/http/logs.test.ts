import { captureLogs } from '../helpers/log-capture';
import { auth, childRequest, createTestApp, deliverAndGetLink, type TestApp, openSigningPage } from '../helpers/test-app';

describe('logs', () => {
  let app: TestApp;
  afterEach(async () => {
    await app.close();
  });

  test('when a request is created, delivered, opened, signed and looked up, then every step is logged and no log line holds a name, a number, an address or the link token', async () => {
    const { logger, lines, flush } = captureLogs();
    app = await createTestApp({}, undefined, logger);
    const body = childRequest({
      subject: { reference: 'REG-LOG-1', firstName: 'Fleurtje', lastName: 'Zonneveld', dateOfBirth: '2014-04-02' },
      recipient: { name: 'Geertruida Zonneveld', channel: 'sms', phone: '06 41239876', language: 'nl' },
    });
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(body);
    expect(created.status).toBe(201);
    const link = await deliverAndGetLink(app, created.body.id);
    const token = link.split('/').pop()!;
    const { csrf, cookie } = await openSigningPage(app, link);
    const signed = await app.http.post(link).set('Cookie', cookie).type('form').send({
      _csrf: csrf, purpose_registratie: 'yes', 'purpose_contact-ouder': 'no', 'purpose_gegevens-delen': 'no', 'purpose_medische-gegevens': 'no', declaration: 'yes', authority: 'sole', signerName: 'Geertruida Zonneveld', action: 'sign',
    });
    expect(signed.status).toBe(303);
    const status = await app.http.get('/api/v1/subjects/REG-LOG-1/consent').set(auth(app.apiKey));
    expect(status.body.mayRegister).toBe(true);
    await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send({ ...body, recipient: { ...body.recipient, phone: '020 123 4567' } });

    flush();
    const all = lines.join('\n');
    const access = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');
    expect(access.map((l) => `${l.method} ${l.path} ${l.status}`)).toEqual(
      expect.arrayContaining(['POST /api/v1/consent-requests 201', 'GET /c/:token 200', 'POST /c/:token 303', 'GET /api/v1/subjects/REG-LOG-1/consent 200', 'POST /api/v1/consent-requests 422']),
    );
    for (const line of access) expect(line.requestId).toEqual(expect.any(String));
    for (const secret of ['Fleurtje', 'Zonneveld', 'Geertruida', '41239876', '+31641239876', '0201234567', '1234567', token, app.apiKey, csrf]) {
      expect(all).not.toContain(secret);
    }
  });
});
