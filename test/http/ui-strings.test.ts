import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadUiStrings } from '../../src/http/views';

/** UI strings: `<lang>.json` plus one file per area (`<area>.<lang>.json`), merged; a key defined twice is an error. */
describe('UI string files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'akkoord-i18n-'));
    mkdirSync(join(dir, 'i18n'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (file: string, content: object) => writeFileSync(join(dir, 'i18n', file), JSON.stringify(content));

  test('when an area file adds keys, then they are found beside the main file\'s', () => {
    for (const lang of ['nl', 'en']) {
      write(`${lang}.json`, { sign: { title: `t-${lang}` } });
      write(`dash-x.${lang}.json`, { dash: { x: { title: `d-${lang}` } } });
    }
    const strings = loadUiStrings(dir);
    expect([strings.nl.get('sign.title'), strings.nl.get('dash.x.title'), strings.en.get('dash.x.title')]).toEqual(['t-nl', 'd-nl', 'd-en']);
  });

  test('when an area file defines a key the main file has, then loading fails and names the file and the key', () => {
    for (const lang of ['nl', 'en']) {
      write(`${lang}.json`, { sign: { title: 'a' } });
      write(`dash-x.${lang}.json`, { sign: { title: 'b' } });
    }
    expect(() => loadUiStrings(dir)).toThrow('i18n/dash-x.nl.json: "sign.title" is already defined');
  });
});
