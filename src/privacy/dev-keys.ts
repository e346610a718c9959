import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Outside production, missing keys are generated once into `<data>/dev-keys.json` (mode 0600) so
 * that `npm start` works on a bare machine. Production refuses to start without real keys.
 */
export interface DevKeys {
  encryptionKeys: string;
  linkSigningKey: string;
  auditChainKey: string;
}

/**
 * `created`: the file was made now. `added`: keys a file from an earlier version lacked and that
 * were added to it now (the keys it had stay as they were).
 */
export function loadOrCreateDevKeys(dataDir: string): { keys: DevKeys; created: boolean; added: (keyof DevKeys)[]; file: string } {
  const file = join(dataDir, 'dev-keys.json');
  const fresh = (): DevKeys => ({
    encryptionKeys: `dev1:${randomBytes(32).toString('base64')}`,
    linkSigningKey: randomBytes(32).toString('base64'),
    auditChainKey: randomBytes(32).toString('base64'),
  });
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevKeys>;
    const generated = fresh();
    const added = (Object.keys(generated) as (keyof DevKeys)[]).filter((k) => !stored[k]);
    const keys = { ...generated, ...Object.fromEntries(Object.entries(stored).filter(([, v]) => v)) } as DevKeys;
    if (added.length > 0) writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
    return { keys, created: false, added, file };
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const keys = fresh();
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return { keys, created: true, added: [], file };
}
