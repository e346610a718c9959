import { demoWelcome } from '../../src/organisations/demo-welcome';
import { createTestApp } from '../helpers/test-app';

describe('the first-start welcome', () => {
  test.each(['2026-11-22T22:30:00Z', '2031-04-02T10:00:00Z', '2040-02-29T12:00:00Z'])('when it is %s, then the printed curl creates a request and its message is in the dev outbox at once', async (at) => {
    const app = await createTestApp({}, at);
    try {
      const text = demoWelcome('http://localhost:3000', app.apiKey, app.clock.now());
      expect(text).toContain(`  ${app.apiKey}\n`);
      expect(text).toContain(`-H 'Authorization: Bearer ${app.apiKey}'`);
      expect(text).toContain('http://localhost:3000/dev/outbox');
      const body = JSON.parse(/-d '(.+)'/.exec(text)![1]!);
      const created = await app.http.post('/api/v1/consent-requests').set('Authorization', `Bearer ${app.apiKey}`).send(body);
      expect(created.status).toBe(201);
      expect(created.body.signerRole).toBe('guardian');
      await app.container.worker.runOnce();
      expect((await app.http.get('/dev/outbox').set('Accept', 'application/json')).body.data).toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});
