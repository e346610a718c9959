import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { updateOrganisation } from '../../src/organisations/organisation-settings';
import { binary } from '../helpers/http';
import { flat, popplerTest, runTool, textOf } from '../helpers/pdf-tools';
import { greyPng, rgbaPng } from '../helpers/png';
import { auth, CHILD_PAPER, childRequest, createTestApp, deliverAndGetLink, openSigningPage, type TestApp } from '../helpers/test-app';

/**
 * Issue 10: every record (signed consent, withdrawal receipt, paper record) shows its own
 * organisation's name, logo, contact and data protection officer, names it as controller, and is
 * sealed in its name; the signed record says whether the typed name matched the addressee's.
 */
interface Org {
  key: string;
  name: string;
  /** The seal's /ContactInfo. */
  contactInfo: string;
  /** What its records must show, as pdftotext gives it. */
  shows: string[];
  logo: { width: number; height: number };
}

const utf16 = (hex: string): string => Buffer.from(hex, 'hex').swap16().toString('utf16le').replace(/^\ufeff/, '');

const CHILD_ANSWERS = { purpose_registratie: 'yes', 'purpose_contact-ouder': 'yes', 'purpose_gegevens-delen': 'no', 'purpose_medische-gegevens': 'no', declaration: 'yes', authority: 'sole' };

describe('records in the organisation\'s name', () => {
  let app: TestApp;
  let noord: Org;
  let oost: Org;

  beforeAll(async () => {
    app = await createTestApp();
    await updateOrganisation(app.container, app.organisationId, {
      name: 'Buurtwerk Noord',
      contactPhone: '020 123 4567',
      contactEmail: 'info@noord.example.nl',
      website: 'https://noord.example.nl',
      privacyStatementUrl: 'https://noord.example.nl/privacy',
      dpoContact: 'FG Noord, fg@noord.example.nl',
      logo: rgbaPng(96, 32, () => [200, 30, 30, 255]),
    });
    await updateOrganisation(app.container, app.other.organisationId, {
      contactPhone: '010 765 4321',
      contactEmail: 'info@oost.example.nl',
      dpoContact: 'FG Oost, fg@oost.example.nl',
      logo: rgbaPng(40, 40, () => [30, 30, 200, 255]),
    });
    noord = { key: app.apiKey, name: 'Buurtwerk Noord', contactInfo: 'Buurtwerk Noord, info@noord.example.nl, 020 123 4567, https://noord.example.nl/', shows: ['020 123 4567', 'info@noord.example.nl', 'https://noord.example.nl/', 'https://noord.example.nl/privacy', 'FG Noord, fg@noord.example.nl'], logo: { width: 96, height: 32 } };
    oost = { key: app.other.apiKey, name: 'Buurtwerk Oost', contactInfo: 'Buurtwerk Oost, info@oost.example.nl, 010 765 4321', shows: ['010 765 4321', 'info@oost.example.nl', 'FG Oost, fg@oost.example.nl'], logo: { width: 40, height: 40 } };
  });
  afterAll(() => app.close());

  let files = 0;
  function save(pdf: Buffer): string {
    const file = join(app.dataDir, `record-${(files += 1)}.pdf`);
    writeFileSync(file, pdf);
    return file;
  }

  async function signFor(org: Org, request: Record<string, unknown>, answers: Record<string, string>) {
    const created = await app.http.post('/api/v1/consent-requests').set(auth(org.key)).send(request);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const link = await deliverAndGetLink(app, id);
    const { csrf, cookie } = await openSigningPage(app, link);
    const signed = await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, ...answers, action: 'sign' });
    expect(signed.status).toBe(303);
    return { id, link, csrf, cookie };
  }

  const download = async (org: Org, path: string) => {
    const res = await app.http.get(path).set(auth(org.key)).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    return save(res.body as Buffer);
  };
  const documentOf = async (org: Org, id: string, kind: string) => {
    const list = (await app.http.get(`/api/v1/consent-requests/${id}/documents`).set(auth(org.key))).body.data as { id: string; kind: string }[];
    return download(org, `/api/v1/consent-requests/${id}/documents/${list.filter((d) => d.kind === kind).at(-1)!.id}`);
  };
  /** Sizes of the images in the PDF ("96x32"), from `pdfimages -list`. */
  const imageSizes = (file: string) => runTool('pdfimages', ['-list', file]).split('\n').slice(2).filter(Boolean).map((line) => line.trim().split(/\s+/).slice(3, 5).join('x'));

  function expectOwnDetailsOnly(file: string, own: Org, other: Org) {
    const text = flat(textOf(file));
    // A long address may wrap at a slash: compared without spaces.
    const squashed = text.replace(/\s+/g, '');
    const squash = (value: string) => value.replace(/\s+/g, '');
    expect(text).toContain(own.name);
    expect(text).toContain('Verwerkingsverantwoordelijke');
    for (const detail of own.shows) expect(squashed).toContain(squash(detail));
    for (const detail of [other.name, ...other.shows]) expect(squashed).not.toContain(squash(detail));
    const sizes = imageSizes(file);
    expect(sizes).toContain(`${own.logo.width}x${own.logo.height}`);
    expect(sizes).not.toContain(`${other.logo.width}x${other.logo.height}`);
  }

  /** The seal is valid, and its /Name and /ContactInfo name the organisation the pages show. */
  function expectSealedAs(file: string, org: Org) {
    expect(runTool('pdfsig', ['-nocert', file])).toContain('Signature Validation: Signature is Valid.');
    const raw = readFileSync(file, 'latin1');
    const entry = (key: string) => utf16(new RegExp(`/${key} <([0-9A-F]+)>`).exec(raw.slice(raw.lastIndexOf('/ByteRange')))?.[1] ?? '');
    expect(entry('Name')).toBe(org.name);
    expect(entry('ContactInfo')).toBe(org.contactInfo);
  }

  popplerTest('when each organisation has a consent signed and withdrawn, then each record and receipt shows only its own name, logo, contact and DPO, and the seal names the same organisation', async () => {
    for (const [own, other] of [[noord, oost], [oost, noord]] as const) {
      const { id, link, csrf, cookie } = await signFor(own, childRequest(), { ...CHILD_ANSWERS, signerName: 'Ans de Vries' });
      const record = await download(own, `/api/v1/consent-requests/${id}/document`);
      expectOwnDetailsOnly(record, own, other);
      expectSealedAs(record, own);

      expect((await app.http.post(`${link}/withdraw`).set('Cookie', cookie).type('form').send({ _csrf: csrf, action: 'all' })).status).toBe(303);
      const receipt = await documentOf(own, id, 'withdrawal-receipt');
      expectOwnDetailsOnly(receipt, own, other);
      expectSealedAs(receipt, own);
    }
  });

  popplerTest('when each organisation records paper consent, then each paper record shows only its own name, logo, contact and DPO, sealed in its name', async () => {
    for (const [own, other] of [[noord, oost], [oost, noord]] as const) {
      const p = CHILD_PAPER;
      const res = await app.http.post(`/api/v1/subjects/REG-PAPER/paper-consents`).set(auth(own.key)).field('formId', p.formId).field('firstName', p.firstName).field('dateOfBirth', p.dateOfBirth)
        .field('signedBy', p.signedBy).field('signedOn', p.signedOn).field('decisions', p.decisions).attach('file', greyPng(16), 'scan.png');
      expect(res.status).toBe(201);
      const record = await download(own, `/api/v1/consent-requests/${res.body.id as string}/document`);
      expectOwnDetailsOnly(record, own, other);
      expectSealedAs(record, own);
    }
  });

  popplerTest.each([
    ['nl', 'ans  DE  vriés', 'Naamcontrole Naam komt overeen met de naam waaraan het verzoek is gestuurd: ja', true],
    ['nl', 'Piet Jansen', 'Naamcontrole Naam komt overeen met de naam waaraan het verzoek is gestuurd: nee', false],
    ['en', 'Ans de Vries', 'Name check Name matches the name the request was sent to: yes', true],
    ['en', 'A. de Vries', 'Name check Name matches the name the request was sent to: no', false],
  ] as const)('when the signer types a name in %s ("%s") for a request sent to Ans de Vries, then the signed event and the record say whether it matched', async (language, typed, line, matches) => {
    const request = childRequest({ recipient: { name: 'Ans de Vries', channel: 'sms', phone: '06 12345678', language } });
    const { id } = await signFor(noord, request, { ...CHILD_ANSWERS, signerName: typed });
    const events = (await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(noord.key))).body.data as { type: string; detail: Record<string, unknown> }[];
    expect(events.find((e) => e.type === 'signed')!.detail.signerNameMatchesRecipient).toBe(matches);
    const text = flat(textOf(await download(noord, `/api/v1/consent-requests/${id}/document`)));
    expect(text).toContain(line);
    expect(text).toContain(`${language === 'nl' ? 'Ondertekend door' : 'Signed by'} ${typed.replace(/\s+/g, ' ')}`);
  });

  popplerTest('when a parent declines without typing a name, then the event and the record say there was no name to compare', async () => {
    const created = await app.http.post('/api/v1/consent-requests').set(auth(noord.key)).send(childRequest());
    const id = created.body.id as string;
    const link = await deliverAndGetLink(app, id);
    const { csrf, cookie } = await openSigningPage(app, link);
    expect((await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, action: 'decline' })).status).toBe(303);
    const events = (await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(noord.key))).body.data as { type: string; detail: Record<string, unknown> }[];
    expect(events.find((e) => e.type === 'declined')!.detail.signerNameMatchesRecipient).toBeNull();
    expect(flat(textOf(await download(noord, `/api/v1/consent-requests/${id}/document`)))).toContain('Naamcontrole Geen naam getypt: er is niets te vergelijken.');
  });
});

