import { checkWebhookTarget, isBlockedAddress, urlShapeProblem, UrlRefused } from '../../src/webhooks/url-guard';

describe('webhook URL guard (SSRF)', () => {
  test.each(['127.0.0.1', '127.255.0.9', '10.0.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1', '100.127.255.254', '0.0.0.0', '0.1.2.3', '224.0.0.251', '255.255.255.255',
    '::', '::1', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '64:ff9b::a00:1', 'not-an-ip'])(
    'when the address is %s, then it is blocked', (address) => {
      expect(isBlockedAddress(address)).toBe(true);
    },
  );

  test.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '2a00:1450:4001::200e', '::ffff:8.8.8.8'])('when the address is %s, then it is allowed', (address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });

  test('when https is required, then only https URLs pass; credentials and fragments never do', () => {
    const production = { requireHttps: true, allowPrivateUrls: false };
    expect(urlShapeProblem('https://hooks.example.nl/in', production)).toBeNull();
    expect(urlShapeProblem('http://hooks.example.nl/in', production)).toMatch(/https/);
    expect(urlShapeProblem('http://hooks.example.nl/in', { ...production, requireHttps: false })).toBeNull();
    expect(urlShapeProblem('https://a:b@hooks.example.nl/', production)).toMatch(/user name or password/);
    expect(urlShapeProblem('https://hooks.example.nl/#x', production)).toMatch(/fragment/);
    expect(urlShapeProblem('javascript:alert(1)', production)).toMatch(/http/);
  });

  test('when a host name resolves to several addresses and one is internal, then it is refused; when all are public, the first is used', async () => {
    const rules = { requireHttps: false, allowPrivateUrls: false };
    await expect(checkWebhookTarget('http://mixed.example.nl/', rules, async () => [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.5', family: 4 }])).rejects.toBeInstanceOf(UrlRefused);
    await expect(checkWebhookTarget('http://gone.example.nl/', rules, async () => { throw new Error('ENOTFOUND'); })).rejects.toThrow(/cannot be found/);
    await expect(checkWebhookTarget('http://ok.example.nl/', rules, async () => [{ address: '2606:4700::1111', family: 6 }, { address: '93.184.216.34', family: 4 }])).resolves.toMatchObject({ host: 'ok.example.nl', address: '2606:4700::1111', family: 6 });
    await expect(checkWebhookTarget('http://10.0.0.5/', { ...rules, allowPrivateUrls: true })).resolves.toMatchObject({ address: '10.0.0.5' });
  });
});
