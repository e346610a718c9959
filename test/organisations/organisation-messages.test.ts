import { rmSync } from 'node:fs';
import pino from 'pino';

import { openContainer } from '../../src/container';
import type { RunningServer } from '../../src/http/server';
import { updateOrganisation } from '../../src/organisations/organisation-settings';
import { captureLogs } from '../helpers/log-capture';
import { rgbaPng } from '../helpers/png';
import { useFakeProviders } from '../helpers/providers';
import { createAndSign } from '../helpers/signing';
import { adultRequest, auth, childRequest, createTestApp, openSigningPage, testSigningIdentity, type TestApp } from '../helpers/test-app';

/**
 * Issue 10: SMS and e-mail go out in the organisation's name (sender, reply-to, contact), and a
 * confirmation follows a decision or a withdrawal by the invitation's channel. Real SDKs against
 * the fake Twilio and SendGrid servers.
 */
describe('messages in the organisation\'s name', () => {
  const fakes = useFakeProviders();
  let app: TestApp;
  let server: RunningServer;


  async function start(env: Record<string, string> = {}, at?: string) {
    ({ app, server } = await fakes.start(at, env));
  }
  const create = async (key: string, body: object) => {
    const res = await app.http.post('/api/v1/consent-requests').set(auth(key)).send(body);
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const work = () => app.container.worker.runOnce();
  const events = async (id: string) => ((await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey))).body.data as { type: string; detail: Record<string, unknown> }[]).map((e) => e.type);
  const linkIn = (text: string) => /https?:\/\/\S+\/c\/[A-Za-z0-9_-]+/.exec(text)![0];
  const labelsOf = (formId: string) => Object.fromEntries(app.container.forms.get(formId)!.purposes.map((p) => [p.id, p.label.nl]));

  async function answer(link: string, fields: Record<string, string>) {
    const path = new URL(link).pathname;
    const { csrf, cookie } = await openSigningPage(app, path);
    const res = await app.http.post(path).set('Cookie', cookie).type('form').send({ _csrf: csrf, ...fields });
    expect(res.status).toBe(303);
    return { path, csrf, cookie };
  }

  test('when an organisation has an SMS sender name, then Twilio gets it as From and the text names the organisation; another organisation keeps the configured number', async () => {
    await start({ TWILIO_FROM: '+3197012345678' });
    await updateOrganisation(app.container, app.organisationId, { name: 'Buurtwerk Noord', smsSenderName: 'BuurtNoord' });
    await create(app.apiKey, childRequest());
    await create(app.other.apiKey, childRequest());
    await work();
    expect(fakes.twilio.messages).toHaveLength(2);
    const noord = fakes.twilio.messages.find((m) => m.from === 'BuurtNoord')!;
    expect(noord.body).toMatch(/^Buurtwerk Noord vraagt uw toestemming voor uw kind:\nhttp/);
    const oost = fakes.twilio.messages.find((m) => m !== noord)!;
    expect(oost.from).toBe('+3197012345678');
    expect(oost.body).toMatch(/^Buurtwerk Oost vraagt uw toestemming/);
    expect(oost.body).not.toContain('Noord');
  });

  test('when an organisation set its e-mail sender, reply-to and contact, then SendGrid gets that From name and Reply-To and the e-mail shows the contact; another organisation shows only its own', async () => {
    await start();
    await updateOrganisation(app.container, app.organisationId, {
      name: 'Buurtwerk Noord',
      emailSenderName: 'Jongerenwerk Noord',
      emailReplyTo: 'vragen@noord.example.nl',
      contactPhone: '020 123 4567',
      contactEmail: 'info@noord.example.nl',
      website: 'https://noord.example.nl',
      privacyStatementUrl: 'https://noord.example.nl/privacy',
      logo: rgbaPng(320, 64, () => [200, 30, 30, 255]),
    });
    await create(app.apiKey, adultRequest());
    await create(app.other.apiKey, adultRequest());
    await work();
    const noord = fakes.sendgrid.mails.find((m) => m.subject.startsWith('Buurtwerk Noord'))!;
    expect(noord.from).toEqual({ email: 'noreply@akkoord.example.nl', name: 'Jongerenwerk Noord' });
    expect(noord.replyTo).toEqual({ email: 'vragen@noord.example.nl' });
    for (const part of ['href="tel:+31201234567"', '020 123 4567', 'href="mailto:info@noord.example.nl"', 'href="https://noord.example.nl/"', 'href="https://noord.example.nl/privacy"', 'Je kunt ook op deze e-mail antwoorden.']) expect(noord.html).toContain(part);
    for (const part of ['Telefoon: 020 123 4567', 'E-mail: info@noord.example.nl', 'Website: https://noord.example.nl/', 'https://noord.example.nl/privacy']) expect(noord.text).toContain(part);
    expect(noord.html).not.toContain('Oost');
    // The logo travels with the e-mail (no remote image), shown at most 160 × 48.
    const logo = (await app.container.store.getOrganisationSettings(app.organisationId))!.logoPng!;
    expect(noord.attachments).toEqual([{ content: logo.toString('base64'), filename: 'logo.png', type: 'image/png', disposition: 'inline', contentId: 'logo' }]);
    expect(noord.html).toContain('<img src="cid:logo" width="160" height="32" alt=""');

    const oost = fakes.sendgrid.mails.find((m) => m.subject.startsWith('Buurtwerk Oost'))!;
    // No sender name of its own: its name; no reply-to or contact e-mail: no Reply-To, and it says replies are not read.
    expect(oost.from).toEqual({ email: 'noreply@akkoord.example.nl', name: 'Buurtwerk Oost' });
    expect(oost.replyTo).toBeUndefined();
    expect(oost.text).toContain('Een antwoord op deze e-mail lezen wij niet.');
    expect(oost.attachments).toBeUndefined();
    expect(oost.html).not.toContain('cid:');
    for (const body of [oost.html!, oost.text!]) expect(body).not.toMatch(/noord/i);
  });

  test('when a participant signs after an e-mail, then a confirmation e-mail lists each choice with the personal link, which still works; a withdrawal gets a short confirmation too', async () => {
    await start();
    await updateOrganisation(app.container, app.organisationId, { contactEmail: 'info@demo.example.nl' });
    const id = await create(app.apiKey, adultRequest());
    await work();
    const link = linkIn(fakes.sendgrid.mails[0]!.text!);
    const { cookie, csrf, path } = await answer(link, { purpose_registratie: 'yes', purpose_contact: 'yes', 'purpose_gegevens-delen': 'no', declaration: 'yes', signerName: 'Noor Bakker', action: 'sign' });
    await work();
    expect(fakes.sendgrid.mails).toHaveLength(2);
    const confirmation = fakes.sendgrid.mails[1]!;
    expect(confirmation.to).toBe('noor.bakker@example.nl');
    expect(confirmation.subject).toBe('Demo: je keuzes zijn bewaard');
    const labels = labelsOf('inloop-16-plus');
    expect(confirmation.text).toContain(`- ${labels.registratie}: Ja\n- ${labels.contact}: Ja\n- ${labels['gegevens-delen']}: Nee`);
    expect(confirmation.text).toContain('Wil je iets veranderen? Via de link zie je je keuzes.');
    expect(confirmation.text).not.toMatch(/\buw\b/);
    expect(confirmation.html).toContain(`href="${link}"`);
    expect(linkIn(confirmation.text!)).toBe(link);
    const page = await app.http.get(path);
    expect(page.status).toBe(200);
    expect(page.text).toContain(labels.registratie);
    expect(await events(id)).toEqual(['created', 'sent', 'opened', 'signed', 'confirmation_sent']);

    const withdrawn = await app.http.post(`${path}/withdraw`).set('Cookie', cookie).type('form').send({ _csrf: csrf, action: 'all' });
    expect(withdrawn.status).toBe(303);
    await work();
    expect(fakes.sendgrid.mails).toHaveLength(3);
    const receipt = fakes.sendgrid.mails[2]!;
    expect(receipt.subject).toBe('Demo: je intrekking is vastgelegd');
    expect(receipt.text).toContain(`- ${labels.registratie}: Nee\n- ${labels.contact}: Nee\n- ${labels['gegevens-delen']}: Nee`);
    expect(linkIn(receipt.text!)).toBe(link);
    expect((await events(id)).slice(-2)).toEqual(['withdrawn', 'confirmation_sent']);
  });

  test('when a parent signs or declines after an SMS, then a one-segment SMS says "uw" choices or "nee" with the link, from the same sender', async () => {
    await start();
    const signedId = await create(app.apiKey, childRequest());
    await create(app.apiKey, childRequest({ subject: { reference: 'REG-7', firstName: 'Bo', dateOfBirth: '2015-01-01' } }));
    await work();
    const [first, second] = fakes.twilio.messages.map((m) => linkIn(m.body));
    await answer(first!, { purpose_registratie: 'yes', 'purpose_contact-ouder': 'yes', 'purpose_gegevens-delen': 'no', 'purpose_medische-gegevens': 'no', declaration: 'yes', authority: 'sole', signerName: 'Ans de Vries', action: 'sign' });
    await answer(second!, { action: 'decline' });
    await work();
    expect(fakes.twilio.messages).toHaveLength(4);
    const bodies = fakes.twilio.messages.slice(2).map((m) => m.body);
    expect(bodies).toContain(`Demo: uw keuzes: 2 ja, 2 nee. Wijzigen:\n${first}`);
    expect(bodies).toContain(`Demo: wij hebben uw nee ontvangen. Bekijk:\n${second}`);
    expect(fakes.twilio.messages.slice(2).map((m) => m.from)).toEqual(['Akkoord', 'Akkoord']);
    expect((await app.http.get(new URL(first!).pathname)).status).toBe(200);
    expect((await events(signedId)).at(-1)).toBe('confirmation_sent');
  });

  test('when the signing happens at night, then the confirmation SMS goes at once (it answers what the parent just did), while a new invite waits for 08:00', async () => {
    await start({}, '2026-11-23T21:30:00Z'); // 22:30 in Amsterdam
    app.clock.set('2026-11-23T06:30:00Z'); // 07:30: the invite waits for 08:00
    await create(app.apiKey, childRequest());
    await work();
    expect(fakes.twilio.messages).toHaveLength(0);
    app.clock.set('2026-11-23T07:00:00Z');
    await work();
    const link = linkIn(fakes.twilio.messages[0]!.body);
    app.clock.set('2026-11-23T22:30:00Z'); // 23:30
    await answer(link, { action: 'decline' });
    await create(app.apiKey, childRequest({ subject: { reference: 'REG-8', firstName: 'Bo', dateOfBirth: '2015-01-01' } }));
    await work();
    expect(fakes.twilio.messages.map((m) => m.body.split(':')[0])).toEqual(['Demo vraagt uw toestemming voor uw kind', 'Demo']);
  });

  test('when the provider fails the confirmation once, then the outbox retries it and it is sent once', async () => {
    await start();
    await create(app.apiKey, adultRequest());
    await work();
    await answer(linkIn(fakes.sendgrid.mails[0]!.text!), { action: 'decline' });
    fakes.sendgrid.failNext(1, 500);
    await work();
    expect(fakes.sendgrid.mails).toHaveLength(1);
    app.clock.advance(10 * 60_000);
    await work();
    expect(fakes.sendgrid.mails).toHaveLength(2);
    expect(fakes.sendgrid.mails[1]!.subject).toBe('Demo: je gaf geen toestemming');
    app.clock.advance(60 * 60_000);
    await work();
    expect(fakes.sendgrid.mails).toHaveLength(2);
  });
});

describe('confirmation logs', () => {
  test('when a confirmation is queued and sent, then no log line holds the name, the address or the link token', async () => {
    const { logger, lines, flush } = captureLogs();
    const app = await createTestApp({}, undefined, logger);
    try {
      const { signed, link } = await createAndSign(app, childRequest(), { purpose_registratie: 'yes', 'purpose_contact-ouder': 'no', 'purpose_gegevens-delen': 'no', 'purpose_medische-gegevens': 'no', declaration: 'yes', signerName: 'Ans de Vries', action: 'sign' });
      expect(signed.status).toBe(303);
      await app.container.worker.runOnce();
      const outbox = await app.container.store.listDevOutbox(10);
      expect(outbox.map((e) => e.body.split(':')[0])).toContain('Demo');
      const token = link.split('/').pop()!;
      flush();
      const logged = lines.join('\n');
      expect(logged).toContain('"kind":"confirmation"');
      for (const secret of ['Ans de Vries', '612345678', token]) expect(logged).not.toContain(secret);
    } finally {
      await app.close();
    }
  });
});

describe('confirmation after a restart', () => {
  test('when the service stops after the signing and before the confirmation went out, then the next process sends it', async () => {
    const app = await createTestApp();
    try {
      const { id, signed } = await createAndSign(app, adultRequest(), { purpose_registratie: 'yes', purpose_contact: 'no', 'purpose_gegevens-delen': 'no', declaration: 'yes', signerName: 'Noor Bakker' });
      expect(signed.status).toBe(303);
      // Queued with the decision itself: nothing else has run yet.
      const confirmationState = async (store: typeof app.container.store) => (await store.listOutboxMessages(app.organisationId, id)).filter((m) => m.kind === 'confirmation').map((m) => m.state);
      expect(await confirmationState(app.container.store)).toEqual(['queued']);
      await app.container.close();
      const again = await openContainer(app.container.config, { clock: app.clock, logger: pino({ level: 'silent' }), signingIdentity: testSigningIdentity() });
      try {
        await again.worker.runOnce();
        const sent = (await again.store.listDevOutbox(10)).filter((e) => e.requestId === id);
        expect(sent.map((e) => e.subject)).toContain('Demo: je keuzes zijn bewaard');
        expect(await confirmationState(again.store)).toEqual(['sent']);
      } finally {
        await again.close();
      }
    } finally {
      rmSync(app.dataDir, { recursive: true, force: true });
    }
  });
});

