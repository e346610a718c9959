import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { formFromSnapshot } from '../../src/consent/form-snapshot';
import { decide } from '../../src/consent/sign-consent';
import type { RunningServer } from '../../src/http/server';
import { flat, pageCount, popplerTest, textOf } from '../helpers/pdf-tools';
import { useFakeProviders } from '../helpers/providers';
import { projectPath } from '../../src/shared/paths';
import { adultRequest, auth, childRequest, openSigningPage, type TestApp } from '../helpers/test-app';

/**
 * Issue 12 (verify): explicit consent for special-category data and one-time codes, through the
 * signing page over HTTP, with the real Twilio and SendGrid SDKs against the fake providers.
 */
const MEDICAL_YES = { purpose_registratie: 'yes', 'purpose_contact-ouder': 'no', 'purpose_gegevens-delen': 'no', 'purpose_medische-gegevens': 'yes', 'explicit_medische-gegevens': 'yes', declaration: 'yes', authority: 'sole', signerName: 'Ans de Vries' };
const MEDICAL_NO = { ...MEDICAL_YES, 'purpose_medische-gegevens': 'no' };
/** The statement as the shipped form words it (consent-forms/activiteit-onder-16.yaml). */
const STATEMENT_START = 'Ik geef uitdrukkelijk toestemming dat de begeleiders medische';

describe('explicit consent and one-time codes', () => {
  const fakes = useFakeProviders();
  let app: TestApp;
  let server: RunningServer;


  async function start(at?: string, env?: Record<string, string>) {
    ({ app, server } = await fakes.start(at, env));
  }

  const get = async (id: string) => (await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body;
  const events = async (id: string) => (await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey))).body.data as { type: string; detail: Record<string, unknown> }[];
  const work = () => app.container.worker.runOnce();

  /** A request by SMS (or e-mail), its link delivered through the fake, the page opened. */
  async function open(body: Record<string, unknown> = childRequest()) {
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(body);
    expect(created.status).toBe(201);
    await work();
    const channel = (body.recipient as { channel: string }).channel;
    const text = channel === 'sms' ? fakes.twilio.messages.at(-1)!.body : fakes.sendgrid.mails.at(-1)!.text!;
    const path = new URL(/https?:\/\/\S+\/c\/[A-Za-z0-9_-]{46}/.exec(text)![0]).pathname;
    const { csrf, cookie } = await openSigningPage(app, path);
    const post = (fields: Record<string, string>) => app.http.post(path).set('Cookie', cookie).type('form').send({ _csrf: csrf, ...fields });
    return { id: created.body.id as string, path, post, csrf, cookie };
  }

  /** The hidden fields of the code page, as a browser posts them back. */
  const hiddenFields = (html: string): Record<string, string> => {
    const fields: Record<string, string> = {};
    for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = m[2]!.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&').replace(/&#x2F;/g, '/');
    delete fields._csrf;
    return fields;
  };
  const lastSmsCode = () => /\b(\d{6})\b/.exec(fakes.twilio.messages.at(-1)!.body)![1]!;
  const wrongCode = (right: string) => String((Number(right) + 1) % 1_000_000).padStart(6, '0');

  test('when a health purpose is answered Ja, then nothing is recorded without the code; with the code from the SMS the sign is recorded with its verification', async () => {
    await start();
    const { id, post } = await open();
    const step = await post({ ...MEDICAL_YES, action: 'sign' });
    expect(step.status).toBe(200);
    expect(step.text).toContain('Vul de code in');
    expect(step.text).toContain('We stuurden een code naar +316••••5678.');
    expect(step.text).toContain('autocomplete="one-time-code"');
    expect(step.text).toContain('inputmode="numeric"');
    expect((await get(id)).status).toBe('opened');
    await work();
    const sms = fakes.twilio.messages.at(-1)!;
    expect(sms.to).toBe('+31612345678');
    expect(sms.body).toMatch(/Deel deze code met niemand\. De code werkt 10 minuten\./);
    expect(sms.body).toMatch(/^Demo: uw code is \d{6}\n/);
    const code = lastSmsCode();
    // The code is stored only as an HMAC, and the outbox copy is gone once sent.
    const db = readFileSync(join(app.dataDir, 'akkoord.db'));
    expect(db.includes(Buffer.from(code))).toBe(false);

    const kept = hiddenFields(step.text);
    expect(kept).toMatchObject({ 'purpose_medische-gegevens': 'yes', 'explicit_medische-gegevens': 'yes', declaration: 'yes', signerName: 'Ans de Vries' });
    const wrong = await post({ ...kept, code: wrongCode(code), action: 'verify-code' });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('Deze code klopt niet. U kunt het nog 4 keer proberen.');
    expect((await get(id)).status).toBe('opened');

    const right = await post({ ...kept, code, action: 'verify-code' });
    expect(right.status).toBe(303);
    const signed = await get(id);
    expect(signed.status).toBe('signed');
    expect(signed.decisions).toContainEqual({ purposeId: 'medische-gegevens', granted: true });
    const trail = await events(id);
    expect(trail.map((e) => e.type)).toEqual(expect.arrayContaining(['signer_code_sent', 'signer_code_failed', 'signer_verified', 'signed']));
    expect(trail.find((e) => e.type === 'signer_code_failed')!.detail).toMatchObject({ attempt: 1 });
    expect(trail.find((e) => e.type === 'signer_code_sent')!.detail).toMatchObject({ channel: 'sms', maskedAddress: '+316••••5678', provider: 'twilio' });
    const decision = trail.find((e) => e.type === 'signed')!.detail;
    expect(decision.verification).toMatchObject({ method: 'code', channel: 'sms', maskedAddress: '+316••••5678', verifiedAt: '2026-11-23T10:00:00.000Z' });
    const request = (await app.container.store.getConsentRequest(app.organisationId, id))!;
    const form = formFromSnapshot((await app.container.store.getFormSnapshot(request.formId, request.formVersion))!);
    const statement = form.purposes.find((p) => p.id === 'medische-gegevens')!.explicitStatement!.nl;
    expect(statement.startsWith(STATEMENT_START)).toBe(true);
    expect(decision.explicitStatements).toEqual([{ purposeId: 'medische-gegevens', sha256: createHash('sha256').update(statement).digest('hex') }]);
    expect(JSON.stringify(trail)).not.toContain(code);
  });

  popplerTest('when a verified sign is recorded, then the PDF prints the ticked statement and how the signer was checked (Amsterdam time)', async () => {
    await start();
    const { id, path, post } = await open();
    const step = await post({ ...MEDICAL_YES, action: 'sign' });
    await work();
    expect((await post({ ...hiddenFields(step.text), code: lastSmsCode(), action: 'verify-code' })).status).toBe(303);
    const pdf = await app.http.get(`${path}/document`).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    const dir = mkdtempSync(join(tmpdir(), 'akkoord-verify-'));
    try {
      const file = join(dir, 'record.pdf');
      writeFileSync(file, pdf.body as Buffer);
      const text = flat(textOf(file));
      // Under its purpose in the choices table; the check with the facts on the audit page (the record stays 3 pages).
      expect(text).toMatch(new RegExp(`Medische informatie voor de veiligheid van uw kind Ja .*✓ Uitdrukkelijke toestemming: ${STATEMENT_START}[^✓]* \\(aangevinkt\\) Verklaring`));
      expect(pageCount(file)).toBe(3);
      expect(text).toContain('Gecontroleerd met een eenmalige code via sms naar +316••••5678 op 23 november 2026 om 11:00');
      expect(text).toContain('Code verstuurd');
      expect(text).toContain('Code klopt');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect((await get(id)).status).toBe('signed');
  });

  test('when the right code comes after 5 wrong tries, then it no longer works and the signer is asked to get a new code', async () => {
    await start();
    const { id, post } = await open();
    const step = await post({ ...MEDICAL_YES, action: 'sign' });
    await work();
    const code = lastSmsCode();
    const kept = hiddenFields(step.text);
    for (let i = 1; i <= 5; i += 1) expect((await post({ ...kept, code: wrongCode(code), action: 'verify-code' })).status).toBe(422);
    const sixth = await post({ ...kept, code, action: 'verify-code' });
    expect(sixth.status).toBe(422);
    expect(sixth.text).toContain('Deze code werkt niet meer. Vraag een nieuwe code.');
    expect((await get(id)).status).toBe('opened');
    const failed = (await events(id)).filter((e) => e.type === 'signer_code_failed');
    expect(failed.map((e) => e.detail.attempt)).toEqual([1, 2, 3, 4, 5]);

    // A new code works again.
    const again = await post({ ...kept, action: 'new-code' });
    expect(again.status).toBe(200);
    expect(again.text).toContain('We stuurden een nieuwe code.');
    await work();
    expect((await post({ ...kept, code: lastSmsCode(), action: 'verify-code' })).status).toBe(303);
    expect((await get(id)).status).toBe('signed');
  });

  test('when the code is typed after 10 minutes, then it is refused as expired and nothing is recorded', async () => {
    await start();
    const { id, post } = await open();
    const step = await post({ ...MEDICAL_YES, action: 'sign' });
    await work();
    const code = lastSmsCode();
    app.clock.advance(10 * 60_000);
    const late = await post({ ...hiddenFields(step.text), code, action: 'verify-code' });
    expect(late.status).toBe(422);
    expect(late.text).toContain('Deze code werkt niet meer: hij is ouder dan 10 minuten.');
    expect((await get(id)).status).toBe('opened');
  });

  test('when the code of another request is typed, then it is refused', async () => {
    await start();
    const first = await open();
    const second = await open(childRequest({ subject: { reference: 'REG-1043', firstName: 'Mila', lastName: 'de Vries', dateOfBirth: '2015-05-05' } }));
    const step1 = await first.post({ ...MEDICAL_YES, action: 'sign' });
    await work();
    const codeOfFirst = lastSmsCode();
    const step2 = await second.post({ ...MEDICAL_YES, action: 'sign' });
    await work();
    const codeOfSecond = lastSmsCode();
    if (codeOfFirst === codeOfSecond) return; // one in a million: the same digits; nothing to tell apart
    const crossed = await second.post({ ...hiddenFields(step2.text), code: codeOfFirst, action: 'verify-code' });
    expect(crossed.status).toBe(422);
    expect((await get(second.id)).status).toBe('opened');
    expect((await first.post({ ...hiddenFields(step1.text), code: codeOfFirst, action: 'verify-code' })).status).toBe(303);
  });

  test('when more codes are asked than 3 an hour or 10 a day, then the page refuses with a clear message and no SMS goes out', async () => {
    await start();
    const { post } = await open();
    const step = await post({ ...MEDICAL_YES, action: 'sign' });
    const kept = hiddenFields(step.text);
    expect((await post({ ...kept, action: 'new-code' })).status).toBe(200);
    expect((await post({ ...kept, action: 'new-code' })).status).toBe(200);
    await work();
    const sent = fakes.twilio.messages.length;
    const refused = await post({ ...kept, action: 'new-code' });
    expect(refused.status).toBe(429);
    expect(refused.text).toContain('U vroeg al te veel codes. Probeer het over een uur opnieuw.');
    await work();
    expect(fakes.twilio.messages).toHaveLength(sent);
    // An hour later three more; by then 6 today. After 10 in 24 hours the day limit holds.
    for (let hour = 1; hour <= 3; hour += 1) {
      app.clock.advance(60 * 60_000 + 1000);
      for (let i = 0; i < 3; i += 1) {
        const res = await post({ ...kept, action: 'new-code' });
        const total = 3 + (hour - 1) * 3 + i + 1;
        expect(res.status).toBe(total <= 10 ? 200 : 429);
      }
    }
  });

  test('when Ja is chosen for health data without ticking the explicit statement, then the page shows the error on that box and sends no code; a Nee needs no tick and no code', async () => {
    await start();
    const { id, post } = await open();
    const { 'explicit_medische-gegevens': _ticked, ...unticked } = MEDICAL_YES;
    const missing = await post({ ...unticked, action: 'sign' });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('href="#explicit_medische-gegevens"');
    expect(missing.text).toContain('U koos Ja. Zet dan ook een vinkje bij deze verklaring.');
    expect(missing.text).toContain('id="error-explicit_medische-gegevens"');
    await work();
    expect(fakes.twilio.messages).toHaveLength(1); // the invite only

    const { 'explicit_medische-gegevens': _t, ...plainNo } = MEDICAL_NO;
    const signed = await post({ ...plainNo, action: 'sign' });
    expect(signed.status).toBe(303);
    expect((await get(id)).status).toBe('signed');
    expect((await events(id)).some((e) => e.type.startsWith('signer_'))).toBe(false);
  });

  test('when a guardian opens a form with a child summary, then it is shown in its own box with the child name; a decline needs no code', async () => {
    await start();
    const { id, post } = await open();
    const page = await post({ action: 'lang' });
    expect(page.text).toContain('Uitleg voor Sam');
    expect(page.text).toContain('class="child-summary"');
    expect(page.text).toContain('id="explicit_medische-gegevens"');
    const declined = await post({ ...MEDICAL_YES, action: 'decline' });
    expect(declined.status).toBe(303);
    expect((await get(id)).status).toBe('declined');
  });

  test('when the request went by e-mail, then the code goes by e-mail to that address, also during SMS quiet hours', async () => {
    await start('2026-11-23T22:30:00Z');
    const { id, post } = await open(childRequest({ recipient: { name: 'Ans de Vries', channel: 'email', email: 'ans.devries@example.nl', language: 'nl' } }));
    const step = await post({ ...MEDICAL_YES, action: 'sign' });
    expect(step.text).toContain('We stuurden een code per e-mail naar a••••@example.nl.');
    await work();
    const mail = fakes.sendgrid.mails.at(-1)!;
    expect(mail.to).toBe('ans.devries@example.nl');
    expect(mail.text).toContain('Deel deze code met niemand. De code werkt 10 minuten.');
    const code = /\b(\d{6})\b/.exec(mail.text!)![1]!;
    expect((await post({ ...hiddenFields(step.text), code, action: 'verify-code' })).status).toBe(303);
    expect((await events(id)).find((e) => e.type === 'signed')!.detail.verification).toMatchObject({ channel: 'email', maskedAddress: 'a••••@example.nl' });
  });

  test('when an SMS code is asked at 23:30 in Amsterdam, then it goes out at once (quiet hours hold invites, not codes)', async () => {
    await start('2026-11-23T09:00:00Z');
    const { post } = await open();
    app.clock.set(new Date('2026-11-23T22:30:00Z'));
    await post({ ...MEDICAL_YES, action: 'sign' });
    const before = fakes.twilio.messages.length;
    await work();
    expect(fakes.twilio.messages).toHaveLength(before + 1);
    expect(fakes.twilio.messages.at(-1)!.body).toMatch(/code is \d{6}/);
  });

  test('when decide() is asked to record a sign that needs a code without a verified code of that request, then it records nothing', async () => {
    await start();
    const { id } = await open();
    const request = (await app.container.store.getConsentRequest(app.organisationId, id))!;
    // Nothing may be rendered or sealed: the refusal comes first.
    const deps = { store: app.container.store, tokens: app.container.tokens, clock: app.clock, renderPdf: async () => { throw new Error('no record may be made'); }, sealer: {} as never };
    const form = formFromSnapshot((await app.container.store.getFormSnapshot(request.formId, request.formVersion))!);
    const input = {
      action: 'sign' as const,
      answers: { registratie: 'yes', 'contact-ouder': 'no', 'gegevens-delen': 'no', 'medische-gegevens': 'yes' } as Record<string, 'yes' | 'no'>,
      explicitConfirmed: ['medische-gegevens'],
      declarationConfirmed: true,
      authority: 'sole' as const,
      signerName: 'Ans de Vries',
      signatureDataUrl: '',
      userAgent: undefined,
    };
    const without = await decide(deps, request, form, input);
    expect(without).toMatchObject({ ok: false, codeNeeded: true });
    const madeUp = await decide(deps, request, form, { ...input, verifiedCodeId: 'sc_madeup' });
    expect(madeUp).toMatchObject({ ok: false, codeNeeded: true });
    expect((await get(id)).status).toBe('opened');
  });

  test('when the form sets verifySigner, then even a sign without special-category data needs the code; a decline does not', async () => {
    const formsDir = mkdtempSync(join(tmpdir(), 'akkoord-forms-'));
    try {
      cpSync(projectPath('consent-forms'), formsDir, { recursive: true });
      const file = join(formsDir, 'inloop-16-plus.yaml');
      writeFileSync(file, `${readFileSync(file, 'utf8').trimEnd()}\nverifySigner: true\n`);
      await start(undefined, { FORMS_DIR: formsDir });
      const { id, post } = await open(adultRequest());
      const answers = { purpose_registratie: 'yes', purpose_contact: 'no', 'purpose_gegevens-delen': 'no', declaration: 'yes', signerName: 'Noor Bakker' };
      const step = await post({ ...answers, action: 'sign' });
      expect(step.status).toBe(200);
      expect(step.text).toContain('We stuurden een code per e-mail naar n••••@example.nl.');
      expect((await get(id)).status).toBe('opened');
      await work();
      const mail = fakes.sendgrid.mails.at(-1)!;
      expect(mail.to).toBe('noor.bakker@example.nl');
      expect(mail.subject).toBe('Demo: je code om te ondertekenen');
      const code = /\b(\d{6})\b/.exec(mail.text!)![1]!;
      expect((await post({ ...hiddenFields(step.text), code, action: 'verify-code' })).status).toBe(303);
      expect((await get(id)).status).toBe('signed');
      expect((await events(id)).find((e) => e.type === 'signed')!.detail.verification).toMatchObject({ method: 'code', channel: 'email' });

      const other = await open(adultRequest({ subject: { reference: 'REG-2002', firstName: 'Noor', lastName: 'Bakker', dateOfBirth: '2008-01-15' } }));
      expect((await other.post({ action: 'decline', signerName: '' })).status).toBe(303);
      expect((await get(other.id)).status).toBe('declined');
    } finally {
      rmSync(formsDir, { recursive: true, force: true });
    }
  });

  test('when the code page switches language or goes back, then no new code is sent, the step or the form comes back with everything kept', async () => {
    await start();
    const { path, post, csrf, cookie } = await open();
    const step = await post({ ...MEDICAL_YES, action: 'sign' });
    const kept = hiddenFields(step.text);
    await work();
    const sent = fakes.twilio.messages.length;
    const english = await app.http.post(`${path}?lang=en`).set('Cookie', cookie).type('form').send({ _csrf: csrf, ...kept, action: 'code-lang' });
    expect(english.status).toBe(200);
    expect(english.text).toContain('Enter the code');
    expect(english.text).toContain('We sent a code to +316••••5678.');
    const back = await post({ ...kept, action: 'back' });
    expect(back.status).toBe(200);
    expect(back.text).toMatch(/id="explicit_medische-gegevens" name="explicit_medische-gegevens" value="yes" checked/);
    expect(back.text).toMatch(/id="purpose_medische-gegevens-yes" name="purpose_medische-gegevens" value="yes" checked/);
    await work();
    expect(fakes.twilio.messages).toHaveLength(sent);
  });
});
