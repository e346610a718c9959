import { createMessageRenderer, formatExpiry, MESSAGE_KINDS, type MessageModel } from '../../src/delivery/message-templates';
import { projectPath } from '../../src/shared/paths';

const messages = createMessageRenderer(projectPath('templates'));
const LANGS = ['nl', 'en'] as const;
const ROLES = ['guardian', 'participant'] as const;
/** The messages that carry the link; the one-time code (issue 12) is tested on its own at the end. */
const VARIANTS = MESSAGE_KINDS.filter((kind) => kind !== 'signer-code').flatMap((kind) => LANGS.flatMap((lang) => ROLES.map((role) => ({ kind, lang, role }))));

const link = 'https://akkoord.example.nl/c/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdEfGh';
const expiresAt = new Date('2026-12-31T23:00:00Z');

const model = (signerRole: 'guardian' | 'participant', lang: 'nl' | 'en', extra: Partial<MessageModel> = {}): MessageModel => ({
  organisationName: 'Jongerenwerk De Brug',
  recipientName: 'Ans de Vries',
  subjectFirstName: 'Sam',
  formTitle: 'Toestemming voor activiteiten',
  link,
  expiresOn: formatExpiry(expiresAt, lang),
  contactEmail: 'info@debrug.example.nl',
  signerRole,
  ...extra,
});

interface Anchor {
  href: string;
  text: string;
}
const anchors = (html: string): Anchor[] =>
  [...html.matchAll(/<a\b([^>]*)>([\s\S]*?)<\/a>/g)].map((m) => ({ href: /\bhref="([^"]*)"/.exec(m[1]!)?.[1] ?? '', text: m[2]!.replace(/<[^>]+>/g, '').trim() }));

/** A button is a link to the form whose visible text is a label; the fallback shows the link itself. */
const buttons = (html: string) => anchors(html).filter((a) => a.href === link && a.text !== link);

describe('formatExpiry', () => {
  it('when the link expires at midnight in Amsterdam, then it reads 23:59 of the day before, as on the signing page', () => {
    expect(formatExpiry(expiresAt, 'nl')).toBe('31 december 2026 om 23:59');
    expect(formatExpiry(expiresAt, 'en')).toBe('31 December 2026 at 23:59');
    expect(formatExpiry(new Date('2026-06-30T22:00:00Z'), 'nl')).toBe('30 juni 2026 om 23:59');
  });

  it('when the link expires during the day, then the time is shown in Amsterdam time', () => {
    expect(formatExpiry(new Date('2026-06-30T10:30:00Z'), 'en')).toBe('30 June 2026 at 12:30');
    expect(formatExpiry(new Date('2026-01-15T08:05:00Z'), 'nl')).toBe('15 januari 2026 om 09:05');
  });
});

describe('e-mail messages', () => {
  it.each(VARIANTS)('when the $kind e-mail in $lang for a $role is rendered, then the one-line subject names the organisation', ({ kind, lang, role }) => {
    const { subject } = messages.email(kind, lang, model(role, lang));
    expect(subject).toContain('Jongerenwerk De Brug');
    expect(subject).not.toMatch(/[\r\n]/);
    if (kind === 'reminder') expect(subject).toMatch(lang === 'nl' ? /^Herinnering: / : /^Reminder: /);
    if (role === 'guardian') expect(subject).toContain('Sam');
  });

  it.each(VARIANTS)('when the $kind e-mail in $lang for a $role is rendered, then the HTML has exactly one button, the link as text, the expiry (invite, reminder) and the contact', ({ kind, lang, role }) => {
    const { html } = messages.email(kind, lang, model(role, lang));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`<html lang="${lang}">`);
    expect(buttons(html)).toHaveLength(1);
    expect(anchors(html).filter((a) => a.href === link && a.text === link)).toHaveLength(1);
    expect(anchors(html).filter((a) => a.href !== link && !a.href.startsWith('mailto:'))).toEqual([]);
    // The button is the bulletproof table cell, so it stays a button where CSS is ignored.
    expect(html).toMatch(new RegExp(`<td align="center" bgcolor="#[0-9a-f]{6}"[^>]*>\\s*<a href="${link}"`));
    // A confirmation comes after the decision: the link no longer expires for it.
    if (kind === 'invite' || kind === 'reminder') expect(html).toContain(formatExpiry(expiresAt, lang));
    expect(html).toContain('href="mailto:info@debrug.example.nl"');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  });

  it.each(VARIANTS)('when the $kind e-mail in $lang for a $role is rendered, then the text part has the link on its own line, the expiry (invite, reminder) and the contact', ({ kind, lang, role }) => {
    const { text } = messages.email(kind, lang, model(role, lang));
    expect(text.split('\n')).toContain(link);
    if (kind === 'invite' || kind === 'reminder') expect(text).toContain(formatExpiry(expiresAt, lang));
    expect(text).toContain('info@debrug.example.nl');
    expect(text).toContain('Jongerenwerk De Brug');
    expect(text).not.toMatch(/<[a-z]|&[a-z]+;|\n{3,}|[ \t]$/m);
  });

  it.each(VARIANTS)('when the $kind e-mail in $lang for a $role has no contact address, then it says to contact the youth worker and that replies are not read', ({ kind, lang, role }) => {
    const email = messages.email(kind, lang, model(role, lang, { contactEmail: '' }));
    const fallback = lang === 'en' ? ['your youth worker at Jongerenwerk De Brug', 'We do not read replies to this e-mail.'] : [role === 'guardian' ? 'de jongerenwerker van Jongerenwerk De Brug' : 'je jongerenwerker van Jongerenwerk De Brug', 'Een antwoord op deze e-mail lezen wij niet.'];
    for (const body of [email.html, email.text]) for (const sentence of fallback) expect(body).toContain(sentence);
    expect(email.html).not.toContain('mailto:');
    expect(buttons(email.html)).toHaveLength(1);
  });

  it('when the recipient name is missing, then the greeting has no dangling space', () => {
    const email = messages.email('invite', 'nl', model('guardian', 'nl', { recipientName: '' }));
    expect(email.text.startsWith('Beste,\n')).toBe(true);
    expect(email.html).toContain('>Beste,</p>');
  });

  it.each(LANGS)('when names contain markup in %s, then the HTML escapes them and the text part and subject keep them as typed', (lang) => {
    const names = { organisationName: 'Tom & Jerry <Club>', recipientName: '<script>alert(1)</script>', subjectFirstName: '"Sam" <b>' };
    const email = messages.email('invite', lang, model('guardian', lang, names));
    expect(email.html).not.toMatch(/<script|<Club>|<b>/);
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(email.html).toContain('Tom &amp; Jerry &lt;Club&gt;');
    expect(email.html).toContain('&quot;Sam&quot; &lt;b&gt;');
    expect(email.text).toContain('<script>alert(1)</script>');
    expect(email.subject).toContain('Tom & Jerry <Club>');
    expect(buttons(email.html)).toHaveLength(1);
  });

  it('when a name holds a newline, then the subject stays one line', () => {
    const email = messages.email('invite', 'en', model('guardian', 'en', { organisationName: 'De Brug\r\nBcc: x@example.org' }));
    expect(email.subject).toBe('De Brug Bcc: x@example.org: consent requested for Sam');
  });
});

describe('one-time code e-mail (issue 12)', () => {
  it.each(LANGS.flatMap((lang) => ROLES.map((role) => ({ lang, role }))))('when the signer-code e-mail in $lang for a $role is rendered, then it carries the code, the warning and the 10 minutes, and no link', ({ lang, role }) => {
    const mail = messages.email('signer-code', lang, model(role, lang, { code: '042917' }));
    expect(mail.subject).toContain('Jongerenwerk De Brug');
    expect(mail.subject).not.toContain('042917');
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain('042917');
      expect(part).toContain(lang === 'nl' ? 'Deel deze code met niemand' : 'Do not share this code with anyone');
      expect(part).toContain(lang === 'nl' ? 'De code werkt 10 minuten.' : 'It works for 10 minutes.');
      expect(part).not.toContain(link);
    }
    if (lang === 'nl') expect(mail.text).toMatch(role === 'guardian' ? /\buw code\b/ : /\bje code\b/);
  });
});
