import type { StaffInviteRecord, StaffSessionRecord, StaffStore, StaffUserRecord } from '../../src/dashboard/staff-store';
import type { Store } from '../../src/storage/store';

/**
 * What every adapter's staff tables must do (dashboard/staff-store.ts): the conditional writes the
 * use cases rely on for "once" and "at least one admin" hold in the store, not only in the caller.
 */
export function staffStoreContract(name: string, makeStore: () => Promise<Store & StaffStore>): void {
  describe(`Staff store contract: ${name}`, () => {
    let store: Store & StaffStore;
    const t0 = new Date('2026-11-22T10:00:00Z');
    const org = 'org_staff';
    const later = (ms: number) => new Date(t0.getTime() + ms);
    const user = (id: string, extra: Partial<StaffUserRecord> = {}): StaffUserRecord => ({ id, organisationId: org, emailHash: `hash-${id}`, email: `${id}@example.nl`, role: 'youth-worker', passwordHash: null, totpSecret: null, totpLastStep: null, enrolledAt: null, createdAt: t0, removedAt: null, ...extra });
    const invite = (userId: string, tokenHash = `tok-${userId}`): StaffInviteRecord => ({ tokenHash, userId, organisationId: org, createdAt: t0, expiresAt: later(72 * 3600_000), usedAt: null });
    const session = (userId: string, idHash: string, stage: StaffSessionRecord['stage'] = 'active'): StaffSessionRecord => ({ idHash, userId, organisationId: org, stage, csrfToken: 'c', language: 'nl', createdAt: t0, lastSeenAt: t0 });
    /** An account that finished set-up, with the given role. */
    const enrolled = async (id: string, role: StaffUserRecord['role']) => {
      expect(await store.createStaffUser(user(id, { role }), invite(id))).toBe(true);
      expect(await store.acceptStaffInvite({ tokenHash: `tok-${id}`, at: t0, passwordHash: 'scrypt$14$8$1$a$b', totpSecret: 'JBSWY3DPEHPK3PXP', session: session(id, `enrol-${id}`, 'enrol') })).toBe(true);
      expect(await store.completeStaffEnrolment({ userId: id, at: t0, lastStep: 100, recoveryCodeHashes: ['r1', 'r2'], oldSessionHash: `enrol-${id}`, session: session(id, `s-${id}`) })).toBe(true);
    };

    beforeEach(async () => {
      store = await makeStore();
      await store.createOrganisation({ id: org, name: 'Staff', createdAt: t0 });
    });
    afterEach(async () => {
      await store.close();
    });

    test('when an account is created with an address hash that exists, then nothing is written', async () => {
      expect(await store.createStaffUser(user('usr_a'), invite('usr_a'))).toBe(true);
      expect(await store.createStaffUser(user('usr_b', { emailHash: 'hash-usr_a' }), invite('usr_b'))).toBe(false);
      expect(await store.getStaffUser('usr_b')).toBeNull();
      expect(await store.getStaffInvite('tok-usr_b')).toBeNull();
      expect(await store.findStaffUserByEmailHash('hash-usr_a')).toMatchObject({ id: 'usr_a', email: 'usr_a@example.nl' });
    });

    test('when an invite is accepted twice, then only the first takes effect; a replaced invite no longer works', async () => {
      await store.createStaffUser(user('usr_a'), invite('usr_a'));
      await store.replaceStaffInvite(invite('usr_a', 'tok-new'));
      expect(await store.getStaffInvite('tok-usr_a')).toBeNull();
      const accept = (idHash: string) => store.acceptStaffInvite({ tokenHash: 'tok-new', at: t0, passwordHash: 'p', totpSecret: 'JBSWY3DPEHPK3PXP', session: session('usr_a', idHash, 'enrol') });
      expect(await accept('e1')).toBe(true);
      expect(await accept('e2')).toBe(false);
      expect(await store.getStaffSession('e2')).toBeNull();
      expect((await store.getStaffInvite('tok-new'))!.usedAt).toEqual(t0);
      expect((await store.getStaffUser('usr_a'))!.totpSecret).toBe('JBSWY3DPEHPK3PXP');
    });

    test('when TOTP steps and recovery codes are used, then each works once and a step never goes back', async () => {
      await enrolled('usr_a', 'youth-worker');
      expect(await store.useStaffTotpStep('usr_a', 100)).toBe(false);
      expect(await store.useStaffTotpStep('usr_a', 101)).toBe(true);
      expect(await store.useStaffTotpStep('usr_a', 99)).toBe(false);
      expect(await store.useStaffRecoveryCode('usr_a', 'r1', t0)).toBe(true);
      expect(await store.useStaffRecoveryCode('usr_a', 'r1', t0)).toBe(false);
      expect(await store.useStaffRecoveryCode('usr_a', 'r9', t0)).toBe(false);
      expect(await store.countUnusedRecoveryCodes('usr_a')).toBe(1);
    });

    test('when the only enrolled admin would be demoted or removed, then the store refuses; with another one it allows', async () => {
      await enrolled('usr_admin', 'admin');
      expect(await store.changeStaffRole(org, 'usr_admin', 'youth-worker', true)).toBe(false);
      expect(await store.removeStaffUser(org, 'usr_admin', t0, true)).toBe(false);
      // An admin who has not finished set-up does not count.
      await store.createStaffUser(user('usr_pending', { role: 'admin' }), invite('usr_pending'));
      expect(await store.changeStaffRole(org, 'usr_admin', 'youth-worker', true)).toBe(false);
      await enrolled('usr_second', 'admin');
      expect(await store.changeStaffRole(org, 'usr_admin', 'youth-worker', true)).toBe(true);
      expect(await store.removeStaffUser(org, 'usr_second', t0, true)).toBe(false);
    });

    test('when an account is removed, then its sessions, unused invites and recovery codes go, its address can be used again, and another organisation cannot remove it', async () => {
      await enrolled('usr_a', 'youth-worker');
      await store.createOrganisation({ id: 'org_other', name: 'Other', createdAt: t0 });
      expect(await store.removeStaffUser('org_other', 'usr_a', t0, false)).toBe(false);
      expect(await store.changeStaffRole('org_other', 'usr_a', 'admin', false)).toBe(false);
      expect(await store.removeStaffUser(org, 'usr_a', later(1000), false)).toBe(true);
      expect(await store.getStaffSession('s-usr_a')).toBeNull();
      expect(await store.countUnusedRecoveryCodes('usr_a')).toBe(0);
      expect(await store.findStaffUserByEmailHash('hash-usr_a')).toBeNull();
      expect(await store.listStaffUsers(org)).toEqual([]);
      expect(await store.getStaffUser('usr_a')).toMatchObject({ removedAt: later(1000), emailHash: null, passwordHash: null, totpSecret: null, email: 'usr_a@example.nl' });
      expect(await store.createStaffUser(user('usr_b', { emailHash: 'hash-usr_a' }), invite('usr_b'))).toBe(true);
    });

    test('when a session is replaced, then the old id is gone; replacing a gone session writes nothing; sign-out everywhere ends all of an account', async () => {
      await enrolled('usr_a', 'youth-worker');
      await store.createStaffSession(session('usr_a', 's2'));
      expect(await store.replaceStaffSession('s2', session('usr_a', 's3'))).toBe(true);
      expect(await store.getStaffSession('s2')).toBeNull();
      expect(await store.replaceStaffSession('s2', session('usr_a', 's4'))).toBe(false);
      expect(await store.getStaffSession('s4')).toBeNull();
      await store.touchStaffSession('s3', later(5000));
      await store.setStaffSessionLanguage('s3', 'en');
      expect(await store.getStaffSession('s3')).toMatchObject({ lastSeenAt: later(5000), language: 'en' });
      expect(await store.deleteStaffSessions('usr_a')).toBe(2);
      expect(await store.getStaffSession('s3')).toBeNull();
    });

    test('when failures are counted, then the count grows, starts again after the forget time, and a block is kept until cleared', async () => {
      expect(await store.countSignInFailure('account:x', t0, later(-900_000))).toBe(1);
      expect(await store.countSignInFailure('account:x', later(1000), later(-900_000))).toBe(2);
      await store.setSignInBlock('account:x', later(5000));
      expect(await store.getSignInFailures(['account:x', 'address:y'])).toEqual([{ subject: 'account:x', failures: 2, lastFailureAt: later(1000), blockedUntil: later(5000) }]);
      // The last failure is before forgetBefore: the count starts again.
      expect(await store.countSignInFailure('account:x', later(2_000_000), later(1_100_000))).toBe(1);
      await store.clearSignInFailures(['account:x']);
      expect(await store.getSignInFailures(['account:x'])).toEqual([]);
    });
  });
}
