import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { join } from 'node:path';

import { PDFDocument, PDFName, PDFString, rgb } from 'pdf-lib';

import { flat, pageCount, popplerTest, qpdfCheck, qpdfTest, runTool, textOf } from '../helpers/pdf-tools';
import { binary } from '../helpers/http';
import { auth, childRequest, createTestApp, type TestApp, uploadAdultPaperConsent, CHILD_DECISIONS_MEDICAL, CHILD_PAPER, uploadPaperConsent, uploadRequestPaper } from '../helpers/test-app';

/** A scanner's PDF: pages filled with one colour each, written by pdf-lib (with object streams). */
async function scanPdf(pages = 2, change?: (doc: PDFDocument) => void | Promise<void>): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const colours = [rgb(0.8, 0, 0), rgb(0, 0, 0.8)];
  for (let i = 0; i < pages; i += 1) doc.addPage([595, 842]).drawRectangle({ x: 40, y: 40, width: 515, height: 762, color: colours[i % 2]! });
  await change?.(doc);
  return Buffer.from(await doc.save());
}

/** The hostile files: each made the way an attacker would, each refused for its own reason. */
const HOSTILE: { name: string; make: () => Promise<Buffer>; reason: RegExp }[] = [
  {
    name: 'JavaScript that runs when the file is opened',
    make: () => scanPdf(1, (doc) => doc.catalog.set(PDFName.of('OpenAction'), doc.context.register(doc.context.obj({ Type: 'Action', S: 'JavaScript', JS: PDFString.of('app.alert(1)') })))),
    reason: /JavaScript/,
  },
  {
    name: 'a link that launches a program',
    make: () =>
      scanPdf(1, (doc) => {
        const launch = doc.context.obj({ Type: 'Action', S: 'Launch', F: PDFString.of('cmd.exe') });
        const link = doc.context.register(doc.context.obj({ Type: 'Annot', Subtype: 'Link', Rect: [0, 0, 595, 842], A: launch }));
        doc.getPage(0).node.set(PDFName.of('Annots'), doc.context.obj([link]));
      }),
    reason: /starts a program or opens a file \(Launch\)/,
  },
  {
    name: 'a Windows program appended after its end marker',
    make: async () => Buffer.concat([await scanPdf(1), Buffer.from('\nMZ\x90\x00\x03\x00\x00\x00\x04\x00PE\x00\x00', 'latin1')]),
    reason: /after a %%EOF\) that is not an update of the document: \d+ bytes, starting like a Windows program \(MZ\)/,
  },
  {
    name: 'a Windows program and a second end marker appended after its end marker',
    make: async () => Buffer.concat([await scanPdf(1), Buffer.from('\nMZ\x90\x00\x03\x00 payload\n%%EOF\n', 'latin1')]),
    reason: /after a %%EOF\) that is not an update of the document: \d+ bytes, starting like a Windows program \(MZ\)/,
  },
  {
    name: 'a 20000 × 20000 image (declared; its data is small)',
    make: async () => {
      const data = deflateSync(Buffer.alloc(4096));
      const plain = (await scanPdf(1)).toString('latin1');
      const size = Number(/\/Size (\d+)/.exec(plain)![1]);
      const image = `${size} 0 obj\n<< /Type /XObject /Subtype /Image /Width 20000 /Height 20000 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode /Length ${data.length} >>\nstream\n${data.toString('latin1')}\nendstream\nendobj\n`;
      // An unreferenced object appended before the cross-reference data: pdf-lib reads every object it finds.
      const at = plain.lastIndexOf('\nxref') + 1 || plain.lastIndexOf('startxref');
      return Buffer.from(plain.slice(0, at) + image + plain.slice(at), 'latin1');
    },
    reason: /an image of 20,000 × 20,000 = 400,000,000 pixels; at most 50,000,000 pixels/,
  },
  {
    name: 'an object stream named with #-escapes (/Obj#53tm) that unpacks to 65 MiB',
    make: async () => {
      const bomb = deflateSync(Buffer.alloc(65 * 1024 * 1024));
      const plain = (await scanPdf(1)).toString('latin1');
      const stream = `999 0 obj\n<< /Type /Obj#53tm /N 1 /First 10 /Filter /FlateDecode /Length ${bomb.length} >>\nstream\n${bomb.toString('latin1')}\nendstream\nendobj\n`;
      const at = plain.lastIndexOf('\nxref') + 1 || plain.lastIndexOf('startxref');
      return Buffer.from(plain.slice(0, at) + stream + plain.slice(at), 'latin1');
    },
    reason: /unpacks to more than 64 MiB of structure \(a compression bomb\)/,
  },
  {
    name: 'an embedded file',
    make: () => scanPdf(1, (doc) => doc.attach(Buffer.from('MZ not really a program'), 'invoice.exe', { mimeType: 'application/octet-stream' })),
    reason: /an embedded file/,
  },
  {
    name: 'more than 20 pages',
    make: () => scanPdf(21),
    reason: /has 21 pages; a scan may have at most 20/,
  },
];

describe('paper consent with a PDF scan', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  const create = async () => (await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest())).body.id as string;
  const paper = (id: string, scan: Buffer) => uploadRequestPaper(app, id, { ...CHILD_PAPER, decisions: CHILD_DECISIONS_MEDICAL }, scan, { filename: 'scan.pdf', contentType: 'application/pdf' });
  const record = async (id: string) => {
    const doc = await app.http.get(`/api/v1/consent-requests/${id}/document`).set(auth(app.apiKey)).buffer(true).parse(binary);
    const file = join(app.dataDir, `${id}.pdf`);
    writeFileSync(file, doc.body as Buffer);
    return file;
  };
  const expectNothingRecorded = async (id: string) => {
    expect((await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body.status).toBe('pending');
    expect((await app.http.get(`/api/v1/consent-requests/${id}/documents`).set(auth(app.apiKey))).body.data).toEqual([]);
    const events = (await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey))).body.data as { type: string }[];
    expect(events.map((e) => e.type)).not.toContain('signed');
  };

  popplerTest('when a clean two-page PDF scan is uploaded, then the record has the cover, both pages as images, the audit trail, and the PDF attached', async () => {
    const scan = await scanPdf(2);
    const id = await create();
    const res = await paper(id, scan);
    expect(res.status).toBe(200);
    const file = await record(id);
    const pages = textOf(file).split('\f');

    expect(pageCount(file)).toBe(4);
    expect(flat(pages[0]!)).toContain('De scan staat op de volgende 2 pagina\'s. Het PDF-bestand zit er ook als bijlage in, opnieuw opgeslagen zonder wat niet bij de pagina\'s hoort.');
    expect(flat(pages[0]!)).toMatch(/Ondertekend door Rol Ans de Vries Ouder\/voogd/);
    expect(flat(pages[0]!)).toMatch(/Voornaam kind Geboortedatum Sam 2 april 2014/);
    const events = (await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey))).body.data as { actor: string }[];
    expect(events.at(-1)!.actor).toMatch(/^api:key_/);
    // The demo key is called "dev".
    expect(flat(pages[0]!)).toContain(`API-sleutel ‘dev’ (${events.at(-1)!.actor.slice(4)})`);
    expect(flat(pages[1]!)).toContain('Scan van het papieren formulier, pagina 1 van 2');
    expect(flat(pages[2]!)).toContain('Scan van het papieren formulier, pagina 2 van 2');
    expect(flat(pages[3]!)).toContain('Controlespoor');
    expect(flat(pages[3]!)).toContain('Verzoek gemaakt');
    const images = runTool('pdfimages', ['-list', file]).trim().split('\n').slice(2).map((line) => line.trim().split(/\s+/));
    expect(images.map((row) => [row[0], row[5], row[8]])).toEqual([
      ['2', 'rgb', 'jpeg'],
      ['3', 'rgb', 'jpeg'],
    ]);
    // Attached is the copy rewritten from the parsed objects; the cover and the event give the SHA-256 of the upload and of that copy.
    runTool('pdfdetach', ['-save', '1', '-o', join(app.dataDir, 'attached.pdf'), file]);
    const attached = readFileSync(join(app.dataDir, 'attached.pdf'));
    const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    expect(pageCount(join(app.dataDir, 'attached.pdf'))).toBe(2);
    const detail = (events.at(-1) as unknown as { detail: { scan: Record<string, unknown> } }).detail.scan;
    expect(detail).toMatchObject({ type: 'application/pdf', bytes: scan.length, sha256: sha256(scan), attachedSha256: sha256(attached) });
    expect(flat(pages[0]!)).toContain(`SHA-256 van de scan ${sha256(scan)}`);
    expect(flat(pages.slice(1).join(' '))).toContain(`SHA-256 van de bijlage: ${sha256(attached)}`);
  });

  popplerTest('when an accepted PDF scan hides bytes outside its objects, then the attached copy does not carry them', async () => {
    const plain = await scanPdf(1, undefined);
    const text = plain.toString('latin1');
    const at = text.lastIndexOf('\nxref') + 1 || text.lastIndexOf('startxref');
    const scan = Buffer.from(`${text.slice(0, at)}%MZ\x90\x00 HIDDEN-PAYLOAD\n${text.slice(at)}`, 'latin1');
    const id = await create();
    expect((await paper(id, scan)).status).toBe(200);
    const file = await record(id);
    runTool('pdfdetach', ['-save', '1', '-o', join(app.dataDir, 'attached.pdf'), file]);

    expect(readFileSync(join(app.dataDir, 'attached.pdf')).includes('HIDDEN-PAYLOAD')).toBe(false);
    expect(readFileSync(file).includes('HIDDEN-PAYLOAD')).toBe(false);
  });

  popplerTest('when paper consent creates a new request, then its record prints the hash its created event was stored with (the hash of the final event covers the record, so it is not printed)', async () => {
    const res = await uploadPaperConsent(app, 'REG-77', { ...CHILD_PAPER, decisions: CHILD_DECISIONS_MEDICAL }, await scanPdf(1), { filename: 'scan.pdf', contentType: 'application/pdf' });
    expect(res.status).toBe(201);
    const events = (await app.http.get(`/api/v1/consent-requests/${res.body.id}/events`).set(auth(app.apiKey))).body.data as { type: string; hash: string }[];
    expect(events.map((e) => e.type)).toEqual(['created', 'signed']);
    const trail = flat(textOf(await record(res.body.id)).split('\f').at(-2)!);

    expect(trail).toContain(events[0]!.hash.slice(0, 16));
    expect(trail).not.toContain(events[1]!.hash.slice(0, 16));
  });

  qpdfTest('when a paper record is sealed, then qpdf --check finds it clean and pdfsig finds the seal valid', async () => {
    const id = await create();
    expect((await paper(id, await scanPdf(1))).status).toBe(200);
    const file = await record(id);

    expect(qpdfCheck(file)).toMatchObject({ status: 0, warnings: [] });
    expect(spawnSync('pdfsig', [file], { encoding: 'utf8' }).stdout).toContain('Signature Validation: Signature is Valid.');
  });

  test.each(HOSTILE)('when the PDF scan carries $name, then 422 on file says why and nothing is recorded', async ({ make, reason }) => {
    const id = await create();
    const res = await paper(id, await make());

    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'file', message: expect.stringMatching(reason) }]);
    await expectNothingRecorded(id);
  });

  qpdfTest('when the PDF scan is encrypted, even without a password to open it, then 422 on file says so and nothing is recorded', async () => {
    const plain = join(app.dataDir, 'plain.pdf');
    const locked = join(app.dataDir, 'locked.pdf');
    writeFileSync(plain, await scanPdf(1));
    expect(spawnSync('qpdf', ['--encrypt', '', 'owner-secret', '256', '--', plain, locked]).status).toBe(0);
    const id = await create();
    const res = await paper(id, readFileSync(locked));

    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'file', message: expect.stringMatching(/encrypted or protected with a password/) }]);
    await expectNothingRecorded(id);
  });

  test('when a hostile PDF is sent for a person without a request, then 422 on file and no request is created', async () => {
    const res = await uploadAdultPaperConsent(app, 'REG-PDF-1', await HOSTILE[0]!.make());

    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'file', message: expect.stringMatching(/JavaScript/) }]);
    const list = await app.http.get('/api/v1/consent-requests?subjectReference=REG-PDF-1').set(auth(app.apiKey));
    expect(list.body.data).toEqual([]);
  });
});
