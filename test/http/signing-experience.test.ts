import sharp from 'sharp';

import { updateOrganisation } from '../../src/organisations/organisation-settings';
import { binary } from '../helpers/http';
import { createAndSign } from '../helpers/signing';
import { adultRequest, auth, childRequest, createTestApp, deliverAndGetLink, openSigningPage, type TestApp } from '../helpers/test-app';

/** What a person reads: the page without tags, scripts and attribute values, entities decoded. */
function visibleText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

const FORMAL = /(^|[^\p{L}])(u|uw|uzelf)(?=[^\p{L}]|$)/iu;
const INFORMAL = /(^|[^\p{L}])(je|jij|jou|jouw|jezelf|jullie)(?=[^\p{L}]|$)/iu;

const CHILD_ANSWERS = { purpose_registratie: 'yes', 'purpose_contact-ouder': 'no', 'purpose_gegevens-delen': 'no', 'purpose_medische-gegevens': 'no' };
const ADULT_ANSWERS = { purpose_registratie: 'yes', purpose_contact: 'yes', 'purpose_gegevens-delen': 'no' };

describe('the signing pages parents and participants see (issue 10)', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  async function sent(body: object = childRequest()) {
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(body);
    expect(created.status).toBe(201);
    const link = await deliverAndGetLink(app, created.body.id);
    return { id: created.body.id as string, link };
  }
  const statusOf = async (id: string) => (await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body.status as string;

  async function withSettings() {
    const logo = await sharp({ create: { width: 60, height: 20, channels: 3, background: '#0a6e5c' } }).png().toBuffer();
    await updateOrganisation(app.container, app.organisationId, {
      name: 'Buurtwerk Noord',
      contactPhone: '020 123 4567',
      contactEmail: 'info@buurtwerknoord.nl',
      website: 'https://www.buurtwerknoord.nl/',
      privacyStatementUrl: 'https://www.buurtwerknoord.nl/privacy',
      logo,
    });
  }

  test('when the organisation has a logo and contact details, then the signing page says who is asking, how to reach them and what we never ask for', async () => {
    await withSettings();
    const { link } = await sent();
    const page = await app.http.get(link);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Dit verzoek komt van <strong class="org-card__name">Buurtwerk Noord</strong>');
    expect(page.text).toContain('<a href="tel:+31201234567">020 123 4567</a>');
    expect(page.text).toContain('href="mailto:info@buurtwerknoord.nl"');
    expect(page.text).toContain('href="https://www.buurtwerknoord.nl/">www.buurtwerknoord.nl</a>');
    expect(page.text).toContain('Wij vragen nooit om DigiD, wachtwoorden of bankgegevens.');
    expect(page.text).toContain('href="https://www.buurtwerknoord.nl/privacy">Privacyverklaring van Buurtwerk Noord</a>');
    expect(page.text).not.toContain('Demo');
    const logoUrl = /<img class="site-header__logo" src="([^"]+)" alt="">/.exec(page.text)?.[1];
    expect(logoUrl).toMatch(new RegExp(`^/o/${app.organisationId}/logo-[0-9a-f]{16}\\.png$`));
    const logo = await app.http.get(logoUrl!).buffer(true).parse(binary);
    expect(logo.status).toBe(200);
    expect(logo.headers['content-type']).toBe('image/png');
    expect(logo.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((logo.body as Buffer).subarray(1, 4).toString()).toBe('PNG');
    // Another hash (an old logo) or another organisation's id does not serve this logo.
    expect((await app.http.get(logoUrl!.replace(/logo-[0-9a-f]{16}/, 'logo-0000000000000000'))).status).toBe(404);
    expect((await app.http.get(logoUrl!.replace(app.organisationId, app.other.organisationId))).status).toBe(404);
    const english = await app.http.get(`${link}?lang=en`);
    expect(english.text).toContain('We will never ask for your DigiD, passwords or bank details.');
  });

  test('when the request names the youth worker who asked, then the page shows their name and role', async () => {
    const { link } = await sent();
    const store = app.container.store;
    const find = store.findConsentRequestByTokenHash.bind(store);
    store.findConsentRequestByTokenHash = async (hash) => {
      const found = await find(hash);
      return found ? { ...found, requestedBy: { name: 'Fatima el Amrani', role: 'jongerenwerker' } } : found;
    };
    expect((await app.http.get(link)).text).toContain('Gevraagd door Fatima el Amrani, jongerenwerker');
  });

  test('when the page opens, then "In het kort" comes before the full text and every purpose says what Nee means', async () => {
    const child = await app.http.get((await sent()).link);
    const text = visibleText(child.text);
    expect(text.indexOf('In het kort')).toBeGreaterThan(-1);
    expect(text.indexOf('In het kort')).toBeLessThan(text.indexOf('1. Lees wat wij met de gegevens doen'));
    expect(text).toContain('U kiest bij elk onderdeel zelf Ja of Nee. U bent vrij om te kiezen.');
    expect(text).toContain('Kiest u Nee? Dan heeft dat geen gevolgen, behalve als het bij een onderdeel staat.');
    expect(text).toContain('Kiest u Nee? Dan kunnen wij uw kind niet inschrijven.');
    expect((child.text.match(/class="purpose__when-no"/g) ?? []).length).toBe(4);
    const adult = visibleText((await app.http.get((await sent(adultRequest())).link)).text);
    expect(adult).toContain('Kies je Nee? Dan registreren wij je niet persoonlijk.');
    expect(adult).toContain('Bedenk je je later? Via deze zelfde link kun je je toestemming altijd weer intrekken (terugnemen).');
  });

  test('when the page opens, then the name field is empty for the signer to type, whatever name the request was sent to', async () => {
    const { link } = await sent();
    const page = await app.http.get(link);
    expect(page.text).toMatch(/<input[^>]*id="signerName"[^>]*value=""/);
    expect(page.text).not.toContain('Ans de Vries');
  });

  test('when the form is sent empty, then nothing is signed and one summary (role=alert, focused, "Fout:" in the title) links to every missing answer', async () => {
    const { id, link } = await sent();
    const { csrf, cookie } = await openSigningPage(app, link);
    const res = await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, purpose_registratie: 'no', action: 'sign' });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/<title>Fout: /);
    expect(res.text).toMatch(/<form[^>]*id="sign-form"[^>]*novalidate/);
    expect(res.text).toMatch(/<div class="error-summary" role="alert"[^>]*tabindex="-1" autofocus/);
    const summary = res.text.slice(res.text.indexOf('role="alert"'), res.text.indexOf('</div>', res.text.indexOf('role="alert"')));
    const targets = [...summary.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]!);
    expect(targets).toEqual(['purpose_contact-ouder-yes', 'purpose_gegevens-delen-yes', 'purpose_medische-gegevens-yes', 'authority-sole', 'declaration', 'signerName']);
    for (const target of targets) expect(res.text).toContain(`id="${target}"`);
    expect(res.text).toMatch(/<input[^>]*name="purpose_registratie" value="no" checked>/);
    expect(await statusOf(id)).toBe('opened');
  });

  test('when the language is switched with answers given, then the page comes back in English with the answers kept, no errors and nothing recorded', async () => {
    const { id, link } = await sent();
    const { page, csrf, cookie } = await openSigningPage(app, link);
    // Handlebars writes "=" in an attribute as &#x3D;, which the browser reads as "=".
    expect(page.text).toContain(`<button class="lang-switch__button" type="submit" form="sign-form" formaction="${link}?lang&#x3D;en" name="action" value="lang" lang="en">English</button>`);
    const res = await app.http.post(`${link}?lang=en`).set('Cookie', cookie).type('form').send({ _csrf: csrf, purpose_registratie: 'yes', 'purpose_contact-ouder': 'no', declaration: 'yes', authority: 'sole', signerName: 'Ans de Vries', action: 'lang' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<html lang="en">');
    expect(res.text).not.toContain('role="alert"');
    expect(res.text).toMatch(/<input[^>]*name="purpose_registratie" value="yes" checked>/);
    expect(res.text).toMatch(/<input[^>]*name="purpose_contact-ouder" value="no" checked>/);
    expect(res.text).toMatch(/<input[^>]*id="declaration"[^>]*checked/);
    expect(res.text).toMatch(/<input[^>]*id="signerName"[^>]*value="Ans de Vries"/);
    // The next post stays in English; the switch now leads back to Dutch.
    expect(res.text).toMatch(new RegExp(`<form[^>]*id="sign-form"[^>]*action="${link}\\?lang&#x3D;en"`));
    expect(res.text).toContain(`formaction="${link}?lang&#x3D;nl" name="action" value="lang" lang="nl">Nederlands</button>`);
    expect(await statusOf(id)).toBe('opened');
  });

  test('when "Ik geef geen toestemming" is pressed, then a confirmation step says what Nee means and how to undo it; "Terug" keeps the answers and "Ja, ik weiger" declines', async () => {
    const { id, link } = await sent();
    const { page, csrf, cookie } = await openSigningPage(app, link);
    expect(page.text).toMatch(/<button[^>]*name="action" value="review-decline">Ik geef geen toestemming<\/button>/);
    const ask = await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, purpose_registratie: 'yes', signerName: 'Ans', action: 'review-decline' });
    expect(ask.status).toBe(200);
    expect(await statusOf(id)).toBe('opened');
    const text = visibleText(ask.text);
    expect(text).toContain('Wilt u echt geen toestemming geven?');
    expect(text).toContain('Dan kunnen wij uw kind niet inschrijven.');
    expect(text).toContain('Bedenkt u zich later? Vraag Demo dan om een nieuwe link.');
    expect(ask.text).toMatch(/<button class="button button--danger" type="submit" name="action" value="decline">Ja, ik weiger<\/button>/);
    expect(ask.text).toMatch(/<button[^>]*name="action" value="back">Terug naar het formulier<\/button>/);
    expect(ask.text).toContain('<input type="hidden" name="purpose_registratie" value="yes">');
    const back = await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, purpose_registratie: 'yes', signerName: 'Ans', action: 'back' });
    expect(back.status).toBe(200);
    expect(back.text).not.toContain('role="alert"');
    expect(back.text).toMatch(/<input[^>]*name="purpose_registratie" value="yes" checked>/);
    expect(back.text).toMatch(/<input[^>]*id="signerName"[^>]*value="Ans"/);
    const declined = await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, action: 'decline' });
    expect(declined.status).toBe(303);
    expect(await statusOf(id)).toBe('declined');
    const done = visibleText((await app.http.get(link)).text);
    expect(done).toContain('U heeft geen toestemming gegeven.');
    expect(done).toContain('Dit ging over uw kind Sam.');
    expect(done).toContain('Wilt u toch toestemming geven? Vraag Demo dan om een nieuwe link.');
  });

  test('when "Alle toestemming intrekken" is pressed, then a confirmation step comes first, and only "Ja, trek alles in" withdraws', async () => {
    const { id, link } = await sent();
    const { csrf, cookie } = await openSigningPage(app, link);
    await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, ...CHILD_ANSWERS, declaration: 'yes', authority: 'sole', signerName: 'Ans de Vries', action: 'sign' });
    const done = await app.http.get(link);
    expect(done.text).toMatch(/<button[^>]*name="action" value="review-all">Alle toestemming intrekken<\/button>/);
    const ask = await app.http.post(`${link}/withdraw`).set('Cookie', cookie).type('form').send({ _csrf: csrf, action: 'review-all' });
    expect(ask.status).toBe(200);
    expect(await statusOf(id)).toBe('signed');
    const text = visibleText(ask.text);
    expect(text).toContain('Wilt u echt alle toestemming intrekken?');
    expect(text).toContain('Inschrijving van uw kind Dan kunnen wij uw kind niet inschrijven.');
    expect(text).toContain('Bedenkt u zich later? U kunt opnieuw toestemming geven via een nieuw verzoek. Vraag Demo erom.');
    expect(ask.text).toMatch(/<button class="button button--danger" type="submit" name="action" value="all">Ja, trek alles in<\/button>/);
    expect(ask.text).toContain(`<a class="button button--secondary" href="${link}">Terug</a>`);
    const confirmed = await app.http.post(`${link}/withdraw`).set('Cookie', cookie).type('form').send({ _csrf: csrf, action: 'all' });
    expect(confirmed.status).toBe(303);
    expect(await statusOf(id)).toBe('withdrawn');
    const after = visibleText((await app.http.get(link)).text);
    expect(after).toContain('Wilt u weer toestemming geven? Dat kan via een nieuw verzoek. Vraag Demo erom.');
  });

  test('when a participant signs or declines, then every page state says "je", never "u"; a guardian\'s pages never say "je"', async () => {
    const adult = await sent(adultRequest());
    const a = await openSigningPage(app, adult.link);
    const post = (body: object) => app.http.post(adult.link).set('Cookie', a.cookie).type('form').send({ _csrf: a.csrf, ...body });
    const participantPages = [
      a.page.text,
      (await post({ action: 'sign', signerName: 'x'.repeat(101) })).text,
      (await post({ _csrf: 'wrong', action: 'sign' })).text,
      (await post({ action: 'review-decline' })).text,
    ];
    await post({ ...ADULT_ANSWERS, declaration: 'yes', signerName: 'Noor Bakker', action: 'sign' });
    participantPages.push((await app.http.get(adult.link)).text);
    participantPages.push((await app.http.post(`${adult.link}/withdraw`).set('Cookie', a.cookie).type('form').send({ _csrf: a.csrf, action: 'review-all' })).text);
    participantPages.push((await app.http.post(`${adult.link}/withdraw`).set('Cookie', a.cookie).type('form').send({ _csrf: a.csrf, action: 'selected' })).text);
    await app.http.post(`${adult.link}/withdraw`).set('Cookie', a.cookie).type('form').send({ _csrf: a.csrf, action: 'all' });
    participantPages.push((await app.http.get(adult.link)).text);
    for (const html of participantPages) {
      const text = visibleText(html);
      expect(text).toMatch(INFORMAL);
      expect(text.match(FORMAL)?.[0] ?? null).toBeNull();
    }
    expect(visibleText(participantPages[1]!)).toContain('Je naam is te lang.');
    expect(visibleText(participantPages[6]!)).toContain('Kies eerst wat je wilt intrekken.');

    const child = await sent();
    const c = await openSigningPage(app, child.link);
    const guardianPages = [
      c.page.text,
      (await app.http.post(child.link).set('Cookie', c.cookie).type('form').send({ _csrf: c.csrf, action: 'sign' })).text,
      (await app.http.post(child.link).set('Cookie', c.cookie).type('form').send({ _csrf: c.csrf, action: 'review-decline' })).text,
    ];
    for (const html of guardianPages) {
      // The form's child summary (issue 12) speaks to the child, so it says "je" on purpose.
      const text = visibleText(html.replace(/<aside class="child-summary"[\s\S]*?<\/aside>/, ''));
      expect(text).toMatch(FORMAL);
      expect(text.match(INFORMAL)?.[0] ?? null).toBeNull();
    }
  });

  test('when a link has expired or was cancelled, then the page follows the link\'s language, names the organisation and its contact, and offers the language switch', async () => {
    await withSettings();
    const cancelled = await sent(adultRequest({ recipient: { channel: 'email', email: 'noor.bakker@example.nl', language: 'en' } }));
    expect((await app.http.post(`/api/v1/consent-requests/${cancelled.id}/cancel`).set(auth(app.apiKey))).status).toBe(200);
    const gone = await app.http.get(cancelled.link);
    expect(gone.status).toBe(410);
    expect(gone.text).toContain('<html lang="en">');
    expect(visibleText(gone.text)).toContain('Buurtwerk Noord has stopped this request.');
    expect(gone.text).toContain('<a href="tel:+31201234567">020 123 4567</a>');
    expect(gone.text).toContain('hreflang="nl">Nederlands</a>');
    const dutch = visibleText((await app.http.get(`${cancelled.link}?lang=nl`)).text);
    expect(dutch).toContain('Buurtwerk Noord heeft dit verzoek stopgezet. Je hoeft niets te doen.');
    const expiring = await sent();
    app.clock.set('2027-06-01T10:00:00Z');
    const expired = await app.http.get(expiring.link);
    expect(expired.status).toBe(410);
    expect(visibleText(expired.text)).toContain('Heeft u vragen, of wilt u een nieuwe link? Neem contact op met Buurtwerk Noord.');
    const unknown = await app.http.get(`/c/${'A'.repeat(46)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.text).not.toContain('Buurtwerk Noord');
    expect(unknown.text).toContain('hreflang="en">English</a>');
  });

  test('when the link came by SMS or e-mail, then the done page says a confirmation follows by that channel, in the signer\'s form of address', async () => {
    const bySms = await createAndSign(app, childRequest(), { ...CHILD_ANSWERS, declaration: 'yes', signerName: 'Ans de Vries' });
    expect(bySms.signed.status).toBe(303);
    const smsPage = visibleText((await app.http.get(bySms.link).set('Cookie', bySms.cookie)).text);
    expect(smsPage).toContain('U krijgt ook een sms met uw keuzes en deze link.');
    expect(smsPage).not.toContain('e-mail met uw keuzes');
    const byEmail = await createAndSign(app, adultRequest(), { ...ADULT_ANSWERS, declaration: 'yes', signerName: 'Noor Bakker' });
    expect(byEmail.signed.status).toBe(303);
    const emailPage = visibleText((await app.http.get(byEmail.link).set('Cookie', byEmail.cookie)).text);
    expect(emailPage).toContain('Je krijgt ook een e-mail met je keuzes en deze link.');
    expect(emailPage).not.toContain('sms met je keuzes');
  });

  test('when the sign button is pressed with JavaScript on, then it can say "Bezig met versturen…" and the form is sent only once', async () => {
    const page = await app.http.get((await sent()).link);
    expect(page.text).toMatch(/<form[^>]*id="sign-form"[^>]*data-send-once>/);
    expect(page.text).toContain('data-sending-text="Bezig met versturen…">Ondertekenen en versturen</button>');
    expect(page.text).toContain('<p class="sending" role="status" data-sending-status></p>');
    const script = await app.http.get('/static/signature-pad.js');
    expect(script.text).toContain('form[data-send-once]');
    expect(script.text).toContain('[data-error-summary]');
  });
});
