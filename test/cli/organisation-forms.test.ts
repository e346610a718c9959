import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { runCli } from '../../src/cli';
import { useSharedForm } from '../../src/consent/organisation-forms';
import { projectPath } from '../../src/shared/paths';
import { greyPng } from '../helpers/png';
import { auth, childRequest, createTestApp, deliverAndGetLink, type TestApp, uploadAdultPaperConsent } from '../helpers/test-app';

const SHARED = ['activiteit-onder-16', 'beeldmateriaal', 'inloop-16-plus'];
const sharedYaml = (id: string) => readFileSync(projectPath('consent-forms', `${id}.yaml`), 'utf8');

/** A copy of the under-16 activity form with its own id and one changed intro. */
function activityCopy(id: string, intro: string): string {
  const yaml = sharedYaml('activiteit-onder-16').replace(/^id: activiteit-onder-16$/m, `id: ${id}`);
  const withIntro = yaml.replace(/^intro:\n  nl: [\s\S]*?\n  en:/m, `intro:\n  nl: ${intro}\n  en:`);
  expect(withIntro).not.toBe(yaml);
  return withIntro;
}

describe('forms per organisation (form list|use|stop|copy)', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  const cli = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, { env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: app.dataDir }, out: (t) => void out.push(t), err: (t) => void err.push(t) });
    return { code, out: out.join(''), err: err.join('') };
  };
  const writeCopy = (name: string, yaml: string) => {
    const file = join(app.dataDir, name);
    writeFileSync(file, yaml);
    return file;
  };
  const formIds = async (key: string) => ((await app.http.get('/api/v1/forms').set(auth(key))).body.data as { id: string }[]).map((f) => f.id);
  const create = (key: string, body: object) => app.http.post('/api/v1/consent-requests').set(auth(key)).send(body);

  test('when an organisation never chose, then it sees every shared form and form list says so', async () => {
    expect(await formIds(app.apiKey)).toEqual(SHARED);
    expect(await formIds(app.other.apiKey)).toEqual(SHARED);
    const list = await cli('form', 'list', '--org', app.organisationId);
    expect(list).toMatchObject({ code: 0, err: '' });
    expect(list.out.split('\n').slice(1, 4).map((l) => l.split('\t').slice(0, 2))).toEqual(SHARED.map((id) => [id, 'shared']));
    expect(list.out).toMatch(/not chosen yet: this organisation uses every shared form/);
  });

  test('when two organisations use different forms and copies, then each lists and accepts only its own', async () => {
    const copy = writeCopy('activiteit-noord.yaml', activityCopy('activiteit-noord', 'Buurtwerk Noord vraagt uw toestemming voor het zomerkamp.'));
    expect(await cli('form', 'copy', '--org', app.organisationId, 'activiteit-onder-16', '--file', copy)).toMatchObject({ code: 0, out: expect.stringMatching(/now uses its own copy "activiteit-noord" \(version [0-9a-f]{16}\) of shared form "activiteit-onder-16"/) });
    expect(await cli('form', 'stop', '--org', app.organisationId, 'inloop-16-plus')).toMatchObject({ code: 0 });
    expect(await cli('form', 'stop', '--org', app.other.organisationId, 'beeldmateriaal')).toMatchObject({ code: 0 });

    // The copy takes the place of the shared form it was copied from.
    expect(await formIds(app.apiKey)).toEqual(['beeldmateriaal', 'activiteit-noord']);
    expect(await formIds(app.other.apiKey)).toEqual(['activiteit-onder-16', 'inloop-16-plus']);
    const list = await cli('form', 'list', '--org', app.organisationId);
    expect(list.out).toMatch(/^activiteit-noord\tcopy\t[0-9a-f]{16}\tactiviteit-onder-16\t/m);
    expect(list.out).not.toMatch(/not chosen yet/);

    // Another organisation's copy, or a form this one stopped, is "no form", as an unknown id always was.
    for (const [key, formId] of [[app.other.apiKey, 'activiteit-noord'], [app.apiKey, 'activiteit-onder-16'], [app.apiKey, 'inloop-16-plus']] as const) {
      const res = await create(key, childRequest({ formId }));
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([{ path: 'formId', message: `There is no form "${formId}".` }]);
      expect((await app.http.get(`/api/v1/forms/${formId}`).set(auth(key))).status).toBe(404);
    }
    // Paper consent for a subject without a request names a form too: the same rule.
    const paper = await uploadAdultPaperConsent(app, 'REG-PAPER-1', greyPng());
    expect(paper.status).toBe(422);
    expect(paper.body.errors).toEqual([{ path: 'formId', message: 'There is no form "inloop-16-plus".' }]);
    expect((await create(app.apiKey, childRequest({ formId: 'activiteit-noord' }))).status).toBe(201);
    expect((await create(app.other.apiKey, childRequest({ formId: 'activiteit-onder-16' }))).status).toBe(201);
    expect((await app.http.get('/api/v1/forms/activiteit-noord').set(auth(app.apiKey))).body).toMatchObject({ id: 'activiteit-noord' });
  });

  test('when a request is made on a copy with a changed text, then its page shows that text, and it keeps it after the copy is replaced and stopped', async () => {
    const first = writeCopy('activiteit-noord.yaml', activityCopy('activiteit-noord', 'Eerste tekst van Buurtwerk Noord over het zomerkamp.'));
    expect((await cli('form', 'copy', '--org', app.organisationId, 'activiteit-onder-16', '--file', first)).code).toBe(0);
    const made = await create(app.apiKey, childRequest({ formId: 'activiteit-noord' }));
    expect(made.status).toBe(201);
    const link = await deliverAndGetLink(app, made.body.id);
    expect((await app.http.get(link)).text).toContain('Eerste tekst van Buurtwerk Noord over het zomerkamp.');

    const second = writeCopy('activiteit-noord.yaml', activityCopy('activiteit-noord', 'Tweede tekst, na de zomer.'));
    expect(await cli('form', 'copy', '--org', app.organisationId, 'activiteit-onder-16', '--file', second)).toMatchObject({ code: 0, out: expect.stringMatching(/replaced its copy "activiteit-noord"/) });
    const later = await create(app.apiKey, childRequest({ formId: 'activiteit-noord', subject: { reference: 'REG-2', firstName: 'Lot', dateOfBirth: '2014-04-02' } }));
    expect(later.body.formVersion).not.toBe(made.body.formVersion);
    const laterLink = await deliverAndGetLink(app, later.body.id);
    expect((await app.http.get(laterLink)).text).toContain('Tweede tekst, na de zomer.');

    expect((await cli('form', 'stop', '--org', app.organisationId, 'activiteit-noord')).code).toBe(0);
    const page = (await app.http.get(link)).text;
    expect(page).toContain('Eerste tekst van Buurtwerk Noord over het zomerkamp.');
    expect(page).not.toContain('Tweede tekst');
  });

  test('when form commands get a wrong value, then exit 2 and the message names it', async () => {
    const org = app.organisationId;
    const sharedId = writeCopy('beeldmateriaal.yaml', sharedYaml('beeldmateriaal'));
    const broken = writeCopy('kapot.yaml', 'id: kapot\naudience: iedereen\n');
    const cases: [string[], RegExp][] = [
      [['form', 'use', '--org', org, 'bestaat-niet'], /^form use: There is no shared form "bestaat-niet" in consent-forms\/\.\n$/],
      [['form', 'stop', '--org', org, 'bestaat-niet'], /^form stop: The organisation does not use a form "bestaat-niet"\.\n$/],
      [['form', 'list', '--org', 'org_nope'], /^form list: There is no organisation org_nope\.\n$/],
      [['form', 'list'], /^form list: --org <org_id> is required\n$/],
      [['form', 'use', '--org', org], /^form use: give one form id/],
      [['form', 'copy', '--org', org, 'beeldmateriaal'], /^form copy: --file <copy.yaml> is required\n$/],
      [['form', 'copy', '--org', org, 'beeldmateriaal', '--file', sharedId], /"beeldmateriaal" is the id of a shared form; a copy needs an id of its own/],
      [['form', 'copy', '--org', org, 'beeldmateriaal', '--file', broken], /^form copy: the copy is not a valid form:\n[^]*kapot\.yaml:2 audience: Must be one of under16, 16plus, any\n$/],
      [['form', 'copy', '--org', org, 'beeldmateriaal', '--file', join(app.dataDir, 'missing.yaml')], /^form copy: --file: cannot read the file/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(...args);
      expect({ args, code: result.code, out: result.out }).toEqual({ args, code: 2, out: '' });
      expect(result.err).toMatch(message);
    }
    // Nothing above changed the list: the organisation still has the default.
    expect((await cli('form', 'list', '--org', org)).out).toMatch(/not chosen yet/);
  });

  test('when two changes to one organisation\'s list race, then both take effect', async () => {
    const deps = { store: app.container.store, forms: app.container.forms, clock: app.clock };
    await useSharedForm(deps, app.organisationId, 'beeldmateriaal');
    expect((await cli('form', 'stop', '--org', app.organisationId, 'beeldmateriaal')).code).toBe(0);
    expect((await cli('form', 'stop', '--org', app.organisationId, 'inloop-16-plus')).code).toBe(0);
    // Both read version N before either saves: the second save finds N + 1, reads again and redoes its change.
    const results = await Promise.all([useSharedForm(deps, app.organisationId, 'beeldmateriaal'), useSharedForm(deps, app.organisationId, 'inloop-16-plus')]);
    expect(results).toEqual(['added', 'added']);
    expect(await formIds(app.apiKey)).toEqual(['activiteit-onder-16', 'beeldmateriaal', 'inloop-16-plus']);
  });
});
