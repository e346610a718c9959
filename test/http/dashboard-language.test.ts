import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { projectPath } from '../../src/shared/paths';

/**
 * The dashboard speaks to colleagues, and one way: "je", never "u" (the signing pages follow the
 * signer instead). Three areas were written side by side; this keeps them one voice.
 */
describe('the dashboard\'s Dutch', () => {
  const dir = projectPath('templates', 'i18n');
  const files = readdirSync(dir).filter((f) => /^dash-.*\.nl\.json$/.test(f));
  const strings = (node: unknown, path = ''): [string, string][] =>
    typeof node === 'string' ? [[path, node]] : Object.entries(node as Record<string, unknown>).flatMap(([k, v]) => strings(v, path ? `${path}.${k}` : k));

  test('when every dashboard area is read, then there are three of them', () => {
    expect(files.sort()).toEqual(['dash-auth.nl.json', 'dash-bulk.nl.json', 'dash-requests.nl.json']);
  });

  test.each(files)('when %s is read, then no line says "u" or "uw" to the youth worker', (file) => {
    const formal = strings(JSON.parse(readFileSync(join(dir, file), 'utf8'))).filter(([, text]) => /(^|[^\p{L}])(u|uw|uzelf)(?=[^\p{L}]|$)/iu.test(text.replace(/\{[^}]*\}/g, '')));
    expect(formal).toEqual([]);
  });
});
