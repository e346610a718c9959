import { randomBytes } from 'node:crypto';

import { hashToken, LinkTokens } from '../../src/consent/link-token';

describe('link tokens', () => {
  const tokens = new LinkTokens(randomBytes(32));

  test('when a token is issued, then it verifies to its stored hash and holds no plain hash of itself', () => {
    const { token, hash } = tokens.issue();
    expect(token).toMatch(/^[A-Za-z0-9_-]{46}$/);
    expect(tokens.verify(token)).toBe(hash);
    expect(hash).toBe(hashToken(token));
    expect(hash).not.toContain(token);
  });

  test('when a token is truncated, extended or has one character changed, then it is refused', () => {
    const { token } = tokens.issue();
    expect(tokens.verify(token.slice(0, -1))).toBeNull();
    expect(tokens.verify(`${token}A`)).toBeNull();
    const flipped = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11);
    expect(tokens.verify(flipped)).toBeNull();
  });

  test('when a token was signed with another key, then it is refused', () => {
    const { token } = new LinkTokens(randomBytes(32)).issue();
    expect(tokens.verify(token)).toBeNull();
  });

  test('when many tokens are issued, then they are all different', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => tokens.issue().token));
    expect(seen.size).toBe(1000);
  });
});
