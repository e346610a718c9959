'use strict';
/**
 * Seeds subjects REF-00000 … for the benchmarks: each gets one request of the real form
 * `activiteit-onder-16`, created and then signed, through the store port (createConsentRequest +
 * decide), as the store holds it after a real signing. Only the PDF is a few fake bytes: rendering
 * 10,000 PDFs would take minutes and is not what the status lookup reads.
 */
const { createHash, randomBytes } = require('node:crypto');

const { amsterdamDate } = require('../dist/src/consent/age');
const { formSnapshot } = require('../dist/src/consent/form-snapshot');
const { consentValidUntil } = require('../dist/src/consent/validity');
const { newId } = require('../dist/src/shared/ids');

const FORM_ID = 'activiteit-onder-16';
const FIRST_NAMES = ['Sam', 'Noor', 'Daan', 'Lotte', 'Milan', 'Fenna', 'Ayoub', 'Sara', 'Jesse', 'Mila'];
const LAST_NAMES = ['de Vries', 'Bakker', 'Jansen', 'Visser', 'Smit', 'Meijer', 'de Boer', 'Mulder'];

/** REF-00000 … REF-09999: the same length for every subject, so every answer has the same size. */
const reference = (i) => `REF-${String(i).padStart(5, '0')}`;

/** One subject: a request created, then signed, as the store sees it after a real signing (minus the PDF). */
async function seedSubject(store, organisationId, form, snapshot, i, at) {
  const requestId = newId('cr', at);
  const subject = { reference: reference(i), firstName: FIRST_NAMES[i % FIRST_NAMES.length], lastName: LAST_NAMES[i % LAST_NAMES.length], dateOfBirth: `2015-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}` };
  const phone = `+3161${String(i).padStart(7, '0')}`;
  const reminders = { afterDays: 3, automatic: 1, max: 2 };
  const request = {
    id: requestId, organisationId, formId: form.id, formVersion: form.version, status: 'pending', signerRole: 'guardian', language: 'nl',
    subject, recipient: { name: `Ouder ${subject.lastName}`, channel: 'sms', address: phone, maskedAddress: `${phone.slice(0, 4)}••••${phone.slice(-4)}` },
    tokenHash: randomBytes(32).toString('hex'), createdAt: at, updatedAt: at, expiresAt: new Date(at.getTime() + 14 * 86_400_000),
    sentAt: null, openedAt: null, decidedAt: null, reminderCount: 0, reminders, deliveredAt: null, failureReason: null,
    decisions: [], signerName: null, signatureKind: null,
  };
  await store.createConsentRequest({
    request,
    form: snapshot,
    event: { id: newId('evt', at), requestId, organisationId, type: 'created', at, actor: 'system', detail: { formId: form.id, formVersion: form.version, signerRole: 'guardian', channel: 'sms' } },
    message: { id: newId('msg', at), requestId, organisationId, kind: 'invite', channel: 'sms', link: `http://127.0.0.1/c/${randomBytes(16).toString('base64url')}`, attempts: 0, dueAt: at, createdAt: at },
  });
  // Varied answers, so that answers differ in `granted` and `mayRegister` like real ones.
  const decisions = form.purposes.map((p, k) => ({ purposeId: p.id, granted: p.required ? i % 10 !== 0 : (i + k) % 3 !== 0 }));
  const pdf = Buffer.from(`%PDF-1.7 bench ${requestId}`);
  const signedAt = new Date(at.getTime() + 60_000);
  const ok = await store.decide({
    requestId, organisationId, fromStatuses: ['pending'], status: 'signed', at: signedAt, signerName: request.recipient.name, decisions,
    validUntil: consentValidUntil(form, amsterdamDate(signedAt)),
    requiredPurposes: form.purposes.filter((p) => p.required).map((p) => p.id),
    signature: { kind: 'typed', image: null, text: request.recipient.name },
    document: { id: newId('doc', signedAt), requestId, organisationId, kind: 'consent-pdf', contentType: 'application/pdf', sha256: createHash('sha256').update(pdf).digest('hex'), content: pdf, createdAt: signedAt },
    event: { id: newId('evt', signedAt), requestId, organisationId, type: 'signed', at: signedAt, actor: 'recipient', detail: { decisions, signature: 'typed' } },
  });
  if (!ok) throw new Error(`seeding ${reference(i)}: decide() refused`);
}

/** Returns the milliseconds seeding took. */
async function seedSubjects(container, organisationId, count) {
  const form = container.forms.get(FORM_ID);
  if (!form) throw new Error(`form ${FORM_ID} not found in ${container.config.formsDir}`);
  const snapshot = formSnapshot(form);
  const started = process.hrtime.bigint();
  const base = Date.now() - 30 * 86_400_000;
  for (let i = 0; i < count; i += 1) {
    await seedSubject(container.store, organisationId, form, snapshot, i, new Date(base + i * 1000));
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}

module.exports = { seedSubjects, reference };
