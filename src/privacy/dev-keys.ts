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
}

export function loadOrCreateDevKeys(dataDir: string): { keys: DevKeys; created: boolean; file: string } {
  const file = join(dataDir, 'dev-keys.json');
  if (existsSync(file)) return { keys: JSON.parse(readFileSync(file, 'utf8')) as DevKeys, created: false, file };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const keys: DevKeys = {
    encryptionKeys: `dev1:${randomBytes(32).toString('base64')}`,
    linkSigningKey: randomBytes(32).toString('base64'),
  };
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return { keys, created: true, file };
}
