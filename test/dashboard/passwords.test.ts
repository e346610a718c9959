import { loadConfig } from '../../src/config';
import { hashPassword, passwordProblem, verifyPassword } from '../../src/dashboard/passwords';
import { normaliseRecoveryCode, totpCode, totpStep } from '../../src/dashboard/totp';

describe('staff passwords', () => {
  test('when nothing is configured, then the scrypt cost is 2^17; 14 is the lowest allowed', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).staffPasswordScryptLog2N).toBe(17);
    expect(loadConfig({ NODE_ENV: 'test', STAFF_PASSWORD_SCRYPT_LOG2N: '14' }).staffPasswordScryptLog2N).toBe(14);
    expect(() => loadConfig({ NODE_ENV: 'test', STAFF_PASSWORD_SCRYPT_LOG2N: '13' })).toThrow(/STAFF_PASSWORD_SCRYPT_LOG2N/);
  });

  test('when a password is hashed at the production cost, then the hash names scrypt N=2^17, r=8, p=1 and verifies only that password', async () => {
    const hash = await hashPassword('paars fietspad onder de brug', 17);
    expect(hash).toMatch(/^scrypt\$17\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('paars fietspad onder de brug', hash)).toBe(true);
    expect(await verifyPassword('paars fietspad onder de burg', hash)).toBe(false);
  });

  test('when a hash was made at another cost, then it still verifies (the cost is stored with it); a malformed one matches nothing', async () => {
    const hash = await hashPassword('een lange zin als wachtwoord', 14);
    expect(await verifyPassword('een lange zin als wachtwoord', hash)).toBe(true);
    expect(await verifyPassword('een lange zin als wachtwoord', 'scrypt$99$8$1$x$y')).toBe(false);
    expect(await verifyPassword('een lange zin als wachtwoord', 'md5$abc')).toBe(false);
  });

  test('when a new password is checked, then length, the common list (any case), the own address and the repeat count', () => {
    expect(passwordProblem('elf tekens!', 'elf tekens!', 'a@example.nl')).toBe('tooShort');
    expect(passwordProblem('twaalf tekens', 'twaalf tekens', 'a@example.nl')).toBeNull();
    expect(passwordProblem('x'.repeat(201), 'x'.repeat(201), 'a@example.nl')).toBe('tooLong');
    expect(passwordProblem('1Q2W3E4R5T6Y', '1Q2W3E4R5T6Y', 'a@example.nl')).toBe('common');
    expect(passwordProblem('Jan.Jansen@Example.nl', 'Jan.Jansen@Example.nl', 'jan.jansen@example.nl')).toBe('email');
    expect(passwordProblem('jan.jansen.de.tweede', 'jan.jansen.de.tweede', 'jan.jansen.de.tweede@example.nl')).toBe('email');
    expect(passwordProblem('twaalf tekens', 'twaalf tekenz', 'a@example.nl')).toBe('mismatch');
    // Twelve code points, though more UTF-16 units.
    expect(passwordProblem('🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂', '🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂', 'a@example.nl')).toBeNull();
  });
});

describe('TOTP and recovery codes', () => {
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  const at = new Date('2026-11-22T10:00:15Z');
  const step = Math.floor(at.getTime() / 30_000);

  test('when a code is of the step before, now or after, then its step is returned; two steps away it is refused', () => {
    expect(totpStep(secret, totpCode(secret, at), at)).toBe(step);
    expect(totpStep(secret, totpCode(secret, new Date(at.getTime() - 30_000)), at)).toBe(step - 1);
    expect(totpStep(secret, totpCode(secret, new Date(at.getTime() + 30_000)), at)).toBe(step + 1);
    expect(totpStep(secret, totpCode(secret, new Date(at.getTime() + 60_000)), at)).toBeNull();
    expect(totpStep(secret, 'abcdef', at)).toBeNull();
  });

  test('when the RFC 6238 test vector is used, then the 6-digit SHA-1 code matches', () => {
    // RFC 6238 appendix B: secret "12345678901234567890", T = 59 s → 94287082 (8 digits); 6 digits: 287082.
    const rfcSecret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    expect(totpCode(rfcSecret, new Date(59_000))).toBe('287082');
  });

  test('when a recovery code is typed with capitals, spaces or without dashes, then it is read the same', () => {
    expect(normaliseRecoveryCode(' ABCD efgh-JKMN pqrs ')).toBe('abcd-efgh-jkmn-pqrs');
    expect(normaliseRecoveryCode('abcdefghjkmnpqrs')).toBe('abcd-efgh-jkmn-pqrs');
    expect(normaliseRecoveryCode('abcd-efgh-jkmn-pqr')).toBeNull();
    expect(normaliseRecoveryCode('abcd-efgh-jkmn-pqr1')).toBeNull();
  });
});
