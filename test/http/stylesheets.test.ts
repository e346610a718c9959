import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { projectPath } from '../../src/shared/paths';

/**
 * Every stylesheet under public/ has balanced braces and no stray merge markers: an unclosed rule
 * swallows every rule after it in the browser, silently (this happened once when three areas
 * appended to dashboard.css at the same time).
 */
describe('stylesheets', () => {
  const files = readdirSync(projectPath('public')).filter((f) => f.endsWith('.css'));

  test.each(files)('when %s is read, then every rule is closed and no merge marker is left', (file) => {
    const css = readFileSync(join(projectPath('public'), file), 'utf8');
    expect(css).not.toMatch(/^(<<<<<<<|=======|>>>>>>>)/m);
    const code = css.replace(/\/\*[\s\S]*?\*\//g, '').replace(/"[^"\n]*"|'[^'\n]*'/g, '""');
    let depth = 0;
    let lowest = 0;
    for (const c of code) {
      if (c === '{') depth += 1;
      if (c === '}') depth -= 1;
      lowest = Math.min(lowest, depth);
    }
    expect({ depth, lowest }).toEqual({ depth: 0, lowest: 0 });
  });
});
