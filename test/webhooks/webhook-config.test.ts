import { readFileSync } from 'node:fs';

import { ConfigError, loadConfig } from '../../src/config';
import { projectPath } from '../../src/shared/paths';

describe('webhook settings (issue 13)', () => {
  test('when nothing is set, then private URLs are refused, an attempt may take 10 s, 10 endpoints per organisation, and https only in production', () => {
    expect(loadConfig({ NODE_ENV: 'test', PUBLIC_BASE_URL: 'http://127.0.0.1:3000' }).webhooks).toEqual({
      requireHttps: false, allowPrivateUrls: false, timeoutMs: 10_000, maxEndpointsPerOrganisation: 10, ownOrigin: 'http://127.0.0.1:3000',
    });
    expect(loadConfig({ NODE_ENV: 'test', WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_TIMEOUT_MS: '500', WEBHOOK_MAX_ENDPOINTS: '3' }).webhooks).toMatchObject({ allowPrivateUrls: true, timeoutMs: 500, maxEndpointsPerOrganisation: 3 });
  });

  test('when a webhook setting is out of range, then the start is refused naming it', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', WEBHOOK_TIMEOUT_MS: '60000' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'test', WEBHOOK_ALLOW_PRIVATE_URLS: 'yes' })).toThrow(/WEBHOOK_ALLOW_PRIVATE_URLS/);
  });

  test('when .env.example is read, then it documents every webhook setting', () => {
    const example = readFileSync(projectPath('.env.example'), 'utf8');
    for (const name of ['WEBHOOK_ALLOW_PRIVATE_URLS', 'WEBHOOK_TIMEOUT_MS', 'WEBHOOK_MAX_ENDPOINTS']) expect(example).toMatch(new RegExp(`^${name}=`, 'm'));
  });
});
