import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { signaturePng } from '../helpers/png';
import { pageCount, popplerTest, textOf, flat } from '../helpers/pdf-tools';
import { binary } from '../helpers/http';
import { signWithDevOutboxCode } from '../helpers/signing';
import { auth, childRequest, createTestApp, deliverAndGetLink, openSigningPage, type TestApp } from '../helpers/test-app';

const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0.0.0 Safari/537.36';

/** The /Reason of the newest seal: a PDF text string as UTF-16BE hex (`<FEFF…>`), as the seal writes it. */
function sealReasonOf(pdf: Buffer): string {
  const all = [...pdf.toString('latin1').matchAll(/\/Reason <FEFF([0-9A-Fa-f]+)>/g)];
  const hex = all.at(-1)?.[1] ?? '';
  return Buffer.from(hex, 'hex').swap16().toString('utf16le');
}

describe('what the record prints, in its language', () => {
  let app: TestApp;
  afterEach(async () => {
    await app.close();
  });

  /** The longest shipped form, signed with a drawn signature in Chrome on Linux, after a reminder: six events. */
  async function signedChild(language: 'nl' | 'en') {
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest({ recipient: { name: 'Ans de Vries', channel: 'sms', phone: '06 12345678', language } }));
    const id = created.body.id as string;
    const link = await deliverAndGetLink(app, id);
    app.clock.advance(60 * 60_000);
    expect((await app.http.post(`/api/v1/consent-requests/${id}/remind`).set(auth(app.apiKey))).status).toBe(202);
    await app.container.worker.runOnce();
    app.clock.advance(5 * 60_000);
    const { csrf, cookie } = await openSigningPage(app, link);
    // Medical details "yes" needs the explicit statement and a one-time code (issue 12).
    const signed = await signWithDevOutboxCode(app, link, { csrf, cookie }, { purpose_registratie: 'yes', 'purpose_contact-ouder': 'no', 'purpose_gegevens-delen': 'yes', 'purpose_medische-gegevens': 'yes', 'explicit_medische-gegevens': 'yes', declaration: 'yes', authority: 'sole', signerName: 'Ans de Vries', signatureData: `data:image/png;base64,${signaturePng().toString('base64')}` }, { 'User-Agent': CHROME_LINUX });
    expect(signed.status).toBe(303);
    const events = (await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey))).body.data as { type: string; actor: string }[];
    return { id, link, cookie, events };
  }

  const fetchPdf = async (path: string) => {
    const res = await app.http.get(path).set(auth(app.apiKey)).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    return res.body as Buffer;
  };

  describe.each([
    ['nl', 'Chrome 150 op Linux', 'link per sms (+316••••5678)', 'Toestemming gegeven via Akkoord', 'API-sleutel'],
    ['en', 'Chrome 150 on Linux', 'link by text message (+316••••5678)', 'Consent given through Akkoord', 'API key'],
  ] as const)('in %s', (language, browser, via, reason, apiKey) => {
    popplerTest('when a guardian signs the longest form on a phone link, then browser, channel and seal reason are in that language, the key id is on one line and it fits on three pages', async () => {
      app = await createTestApp();
      const { id, events } = await signedChild(language);
      expect(events.map((e) => e.type)).toEqual(['created', 'sent', 'reminder_requested', 'reminder_sent', 'opened', 'signer_code_sent', 'signer_verified', 'signed']);
      const pdf = await fetchPdf(`/api/v1/consent-requests/${id}/document`);
      const file = join(app.dataDir, `record-${language}.pdf`);
      writeFileSync(file, pdf);
      const text = textOf(file);

      expect(text).toContain(`${via}, ${browser}`);
      expect(text).toContain(browser);
      expect(sealReasonOf(pdf)).toBe(reason);
      expect(pageCount(file)).toBeLessThanOrEqual(3);
      const keyId = events[0]!.actor.replace(/^api:/, '');
      expect(keyId).toMatch(/^key_[A-Za-z0-9_-]{23}$/);
      const line = text.split('\n').findIndex((l) => l.includes(keyId));
      expect(line).toBeGreaterThan(0);
      expect(text.split('\n')[line - 1]).toContain(apiKey);
    });
  });

  popplerTest('when two purposes are withdrawn one after the other, then the second receipt says when the first was withdrawn, keeps Nee for what was never granted, and its seal reason is Dutch', async () => {
    app = await createTestApp();
    const { id, link, cookie } = await signedChild('nl');
    const withdraw = async (purpose: string) => {
      const done = await app.http.get(link).set('Cookie', cookie);
      const csrf = /name="_csrf"\s+value="([^"]+)"/.exec(done.text)![1]!;
      expect((await app.http.post(`${link}/withdraw`).set('Cookie', cookie).type('form').send({ _csrf: csrf, purpose, action: 'selected' })).status).toBe(303);
    };
    // 2 December 2026, 09:15 in Amsterdam.
    app.clock.set(new Date('2026-12-02T08:15:00Z'));
    await withdraw('gegevens-delen');
    app.clock.set(new Date('2026-12-09T14:30:00Z'));
    await withdraw('medische-gegevens');

    const docs = (await app.http.get(`/api/v1/consent-requests/${id}/documents`).set(auth(app.apiKey))).body.data as { id: string; kind: string }[];
    const receipt = await fetchPdf(`/api/v1/consent-requests/${id}/documents/${docs.filter((d) => d.kind === 'withdrawal-receipt').at(-1)!.id}`);
    const file = join(app.dataDir, 'receipt.pdf');
    writeFileSync(file, receipt);
    const text = textOf(file);
    const choices = text.slice(text.indexOf('Keuzes die nu gelden'));
    const row = (label: string) => flat(choices.slice(choices.indexOf(label)).split(/\n\s*\n/)[0]!);

    expect(row('Gegevens delen met partners')).toContain('Ingetrokken op 2 december 2026, 09:15 (Europe/Amsterdam)');
    expect(row('Gegevens delen met partners')).not.toMatch(/\bNee\b/);
    expect(row('Medische informatie')).toContain('Ingetrokken op 9 december 2026, 15:30 (Europe/Amsterdam)');
    expect(row('Contact met u over activiteiten')).toMatch(/\bNee\b/);
    expect(row('Inschrijving van uw kind')).toMatch(/\bJa\b/);
    expect(sealReasonOf(receipt)).toBe('Intrekking van toestemming vastgelegd door Akkoord');
  });
});
