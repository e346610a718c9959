import { LinkTokens } from '../../src/consent/link-token';
import { isGsm7, septetLength, toGsm7 } from '../../src/delivery/gsm7';
import { createMessageRenderer, fitSms, MESSAGE_KINDS, type MessageModel } from '../../src/delivery/message-templates';
import { projectPath } from '../../src/shared/paths';

const messages = createMessageRenderer(projectPath('templates'));
const LANGS = ['nl', 'en'] as const;
const ROLES = ['guardian', 'participant'] as const;
/** The messages that carry the link; the one-time code (issue 12) carries its code instead and is tested on its own below. */
const LINK_KINDS = MESSAGE_KINDS.filter((kind) => kind !== 'signer-code');
const TEMPLATES = LINK_KINDS.flatMap((kind) => LANGS.flatMap((lang) => ROLES.map((role) => ({ kind, lang, role }))));

/**
 * The longest PUBLIC_BASE_URL (scheme and host, no trailing slash) for which every SMS still fits
 * one segment with 40-character names: the organisation name is then shortened to its minimum.
 * Up to FULL_NAME_BASE_URL_LENGTH a 40-character organisation name is never shortened.
 */
const MAX_BASE_URL_LENGTH = 56;
const FULL_NAME_BASE_URL_LENGTH = 32;

const token = new LinkTokens(Buffer.alloc(32, 7)).issue().token;
const linkWithBase = (length: number) => `https://${'a'.repeat(length - 'https://'.length - '.nl'.length)}.nl/c/${token}`;
const realisticLink = `https://akkoord.example.nl/c/${token}`;
const hundredCharLink = linkWithBase(100 - 3 - token.length);

/** First 40 characters (code points) of the seed repeated. */
const forty = (seed: string) => [...seed.repeat(40)].slice(0, 40).join('');
const NAME_SETS = {
  'plain ASCII': { org: forty('Jongerenwerk '), recipient: forty('Annemarie '), subject: forty('Sam ') },
  'accents, quotes and emoji': { org: forty('Zoë’s “Brug” Ïlse Łukasz Çelik 🎉 '), recipient: forty('Nguyễn O’Brien–Łukasz '), subject: forty('Chloë 👍🏽 ') },
  'extension characters': { org: forty('{Club} [Noord] €~|^\\ '), recipient: forty('[Ans] '), subject: forty('{Sam} ') },
  'another script': { org: forty('مركز الشباب '), recipient: forty('김민준 '), subject: forty('محمد ') },
};

const model = (signerRole: 'guardian' | 'participant', link: string, names: { org: string; recipient: string; subject: string }): MessageModel => ({
  organisationName: names.org,
  recipientName: names.recipient,
  subjectFirstName: names.subject,
  formTitle: 'Toestemming voor activiteiten en foto’s',
  link,
  expiresOn: '31 december 2026 om 23:59',
  contactEmail: 'info@debrug.example.nl',
  signerRole,
  // Confirmations: the widest summary (two-digit counts).
  outcome: 'signed',
  grantedCount: 10,
  refusedCount: 10,
});

/** The organisation as it appears in the SMS: GSM-7, maybe shortened with "...". */
function organisationIn(sms: string, org: string): string {
  const first = sms.split('\n')[0]!;
  const gsm = toGsm7(org).replace(/\s+/g, ' ').trim();
  if (first.includes(gsm)) return gsm;
  const cut = /(?:Herinnering: |Reminder: )?(.*?\.\.\.)/.exec(first)?.[1];
  if (!cut || !gsm.startsWith(cut.slice(0, -3))) throw new Error(`organisation not found in ${JSON.stringify(first)}`);
  return cut;
}

describe('SMS messages', () => {
  it('when the test links are built, then they are 75 and 100 characters and the token is a real 46-character one', () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]{46}$/);
    expect(realisticLink).toHaveLength(75);
    expect(hundredCharLink).toHaveLength(100);
  });

  for (const { kind, lang, role } of TEMPLATES) {
    for (const [setName, names] of Object.entries(NAME_SETS)) {
      it.each([
        ['75', realisticLink],
        ['100', hundredCharLink],
      ])(`when the ${kind} SMS in ${lang} for a ${role} has 40-character names with ${setName} and a %s-character link, then it is one GSM-7 segment with the link on its own line`, (_len, link) => {
        const sms = messages.sms(kind, lang, model(role, link, names));
        expect(isGsm7(sms)).toBe(true);
        expect(septetLength(sms)).toBeLessThanOrEqual(160);
        expect(sms.split('\n')).toContain(link);
        expect(sms).not.toMatch(/ {2}|\n\n|^\s|\s$/);
        expect(septetLength(organisationIn(sms, names.org))).toBeGreaterThanOrEqual(15);
      });
    }
  }

  it.each(TEMPLATES)('when the $kind SMS in $lang for a $role has a 40-character organisation and a link of up to 81 characters, then the name is not shortened', ({ kind, lang, role }) => {
    const link = linkWithBase(FULL_NAME_BASE_URL_LENGTH);
    expect(link).toHaveLength(81);
    const org = forty('Stichting Jongerenwerk ');
    const sms = messages.sms(kind, lang, model(role, link, { org, recipient: forty('Annemarie '), subject: forty('Sam ') }));
    expect(sms).toContain(org.trim());
    expect(septetLength(sms)).toBeLessThanOrEqual(160);
  });

  it.each(TEMPLATES)('when the $kind SMS in $lang for a $role has a longer link, then the organisation is shortened with "..." and the link is untouched', ({ kind, lang, role }) => {
    const link = linkWithBase(44);
    const sms = messages.sms(kind, lang, model(role, link, { org: forty('Stichting Jongerenwerk '), recipient: 'Ans', subject: 'Sam' }));
    expect(sms).toMatch(/^(Herinnering: |Reminder: )?Stichting Jongerenwerk\.\.\.:? [a-z]/);
    expect(sms.split('\n')).toContain(link);
    expect(septetLength(sms)).toBeLessThanOrEqual(160);
  });

  it(`when the base URL is ${MAX_BASE_URL_LENGTH} characters, then every SMS fits; one more and rendering throws naming the template`, () => {
    for (const names of Object.values(NAME_SETS)) {
      for (const { kind, lang, role } of TEMPLATES) expect(septetLength(messages.sms(kind, lang, model(role, linkWithBase(MAX_BASE_URL_LENGTH), names)))).toBeLessThanOrEqual(160);
    }
    const names = NAME_SETS['extension characters'];
    const failures = TEMPLATES.filter(({ kind, lang, role }) => {
      try {
        messages.sms(kind, lang, model(role, linkWithBase(MAX_BASE_URL_LENGTH + 1), names));
        return false;
      } catch (error) {
        expect((error as Error).message).toMatch(new RegExp(`^sms/${kind}\\.${lang}\\.hbs does not fit one SMS`));
        return true;
      }
    });
    expect(failures.length).toBeGreaterThan(0);
  });

  it('when names are outside GSM-7 but short, then the SMS carries their GSM-7 form in full', () => {
    const sms = messages.sms('invite', 'nl', model('guardian', realisticLink, { org: 'Buurtwerk Zoë “De Brug” 🎉', recipient: 'Łukasz', subject: 'Chloë' }));
    expect(sms).toBe(`Buurtwerk Zoe "De Brug" vraagt uw toestemming voor uw kind:\n${realisticLink}`);
  });

  it('when a name has GSM-7 accents, then they are kept as they are', () => {
    const sms = messages.sms('invite', 'en', model('participant', realisticLink, { org: 'Çelik & Müller Jeugdwerk Ørsted', recipient: 'Ïlse', subject: 'Zoë' }));
    expect(sms.split('\n')[0]).toBe('Çelik & Müller Jeugdwerk Ørsted asks for your consent. Open the link:');
  });

  it.each(LANGS.flatMap((lang) => ROLES.map((role) => ({ lang, role }))))('when a reminder in $lang for a $role is rendered, then it starts as a reminder and names the organisation; the invite does not', ({ lang, role }) => {
    const names = { org: 'Jongerenwerk De Brug', recipient: 'Ans', subject: 'Sam' };
    const reminder = messages.sms('reminder', lang, model(role, realisticLink, names));
    const invite = messages.sms('invite', lang, model(role, realisticLink, names));
    const prefix = lang === 'nl' ? 'Herinnering: ' : 'Reminder: ';
    expect(reminder.startsWith(`${prefix}Jongerenwerk De Brug `)).toBe(true);
    expect(invite.startsWith('Jongerenwerk De Brug ')).toBe(true);
  });

  it('when Dutch texts are rendered, then the parent is addressed with u and the participant with je', () => {
    for (const kind of MESSAGE_KINDS) {
      const names = { org: 'De Brug', recipient: 'Ans', subject: 'Sam' };
      const code = kind === 'signer-code' ? { code: '123456' } : {};
      expect(messages.sms(kind, 'nl', { ...model('guardian', realisticLink, names), ...code })).toMatch(/\buw\b/);
      expect(messages.sms(kind, 'nl', { ...model('participant', realisticLink, names), ...code })).toMatch(/\bje\b/);
    }
  });

  it('when the link is not GSM-7 or has a space, then rendering throws instead of changing it', () => {
    const names = { org: 'De Brug', recipient: 'Ans', subject: 'Sam' };
    expect(() => messages.sms('invite', 'nl', model('guardian', 'https://brëg.example/c/x', names))).toThrow(/link must be GSM-7/);
    expect(() => messages.sms('invite', 'nl', model('guardian', 'https://x.example/c/a b', names))).toThrow(/link must be GSM-7/);
    expect(() => messages.sms('invite', 'nl', model('guardian', '', names))).toThrow(/link must be GSM-7/);
  });
});

describe('fitSms', () => {
  const base = model('guardian', 'https://x.nl/c/abc', { org: 'Jongerenwerk De Brug Amsterdam-Noord', recipient: 'Annemarie van der Berg', subject: 'Samantha-Louise' });
  const sized = (filler: number) => (m: MessageModel) => `${'x'.repeat(filler)} ${m.organisationName} / ${m.recipientName} / ${m.subjectFirstName}\n${m.link}`;

  it('when the text is too long, then people\'s names are shortened first, longest first, and the organisation last', () => {
    const text = fitSms('test.hbs', base, sized(80));
    expect(septetLength(text)).toBe(160);
    expect(text).toContain('Jongerenwerk De Brug Amsterdam-Noord');
    const [recipient, subject] = text.split('\n')[0]!.split(' / ').slice(1);
    expect(Math.abs(septetLength(recipient!) - septetLength(subject!))).toBeLessThanOrEqual(1);
    expect(recipient).toMatch(/\.\.\.$/);
  });

  it('when people\'s names at their minimum are not enough, then the organisation is shortened too, but not below 16 septets', () => {
    const text = fitSms('test.hbs', base, sized(100));
    expect(septetLength(text)).toBeLessThanOrEqual(160);
    expect(text.split(' / ').slice(1).map((s) => s.split('\n')[0])).toEqual(['Ann...', 'Sam...']);
    expect(text).toMatch(/ Jongerenwerk .*\.\.\. \//);
    expect(() => fitSms('sms/too-long.nl.hbs', base, sized(140))).toThrow(/^sms\/too-long\.nl\.hbs does not fit one SMS/);
  });

  it('when a template does not use a name, then that name is not a reason to cut the others less', () => {
    const text = fitSms('test.hbs', base, (m) => `${'x'.repeat(100)} ${m.organisationName}\n${m.link}`);
    expect(septetLength(text)).toBe(156);
    expect(text).toContain('Jongerenwerk De Brug Amsterdam-Noord');
  });

  it('when a template has characters outside GSM-7 or leaves out the link, then it throws naming the template', () => {
    expect(() => fitSms('sms/bad.nl.hbs', base, (m) => `${m.organisationName} vraagt ‘toestemming’\n${m.link}`)).toThrow(/^sms\/bad\.nl\.hbs renders characters outside GSM-7: "‘’"/);
    expect(() => fitSms('sms/nolink.nl.hbs', base, (m) => `${m.organisationName} vraagt toestemming`)).toThrow(/^sms\/nolink\.nl\.hbs must contain the link/);
  });

  it('when model fields other than the link are not GSM-7, then the template receives their GSM-7 form', () => {
    const seen: MessageModel[] = [];
    fitSms('test.hbs', { ...base, organisationName: ' Zoë\n“Brug” ', expiresOn: '1 févrïer', formTitle: 'Foto’s' }, (m) => {
      seen.push(m);
      return m.link;
    });
    expect(seen[0]).toMatchObject({ organisationName: 'Zoe "Brug"', expiresOn: '1 février', formTitle: "Foto's", link: base.link, signerRole: 'guardian' });
  });

  // Issue 12 (verify): the one-time code carries its code intact, never the link.
  for (const lang of LANGS) {
    for (const role of ROLES) {
      for (const [setName, names] of Object.entries(NAME_SETS)) {
        it(`when the signer-code SMS in ${lang} for a ${role} has 40-character names with ${setName}, then it is one GSM-7 segment with the code, the warning and the 10 minutes, and no link`, () => {
          const sms = messages.sms('signer-code', lang, { ...model(role, realisticLink, names), code: '042917' });
          expect(isGsm7(sms)).toBe(true);
          expect(septetLength(sms)).toBeLessThanOrEqual(160);
          expect(sms).toContain('042917');
          expect(sms).not.toContain(realisticLink);
          expect(sms).toContain(lang === 'nl' ? 'Deel deze code met niemand. De code werkt 10 minuten.' : 'Do not share this code with anyone. It works for 10 minutes.');
          expect(sms).not.toMatch(/ {2}|\n\n|^\s|\s$/);
        });
      }
    }
  }
});

