import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FieldCipher, parseKeyRing } from '../../src/privacy/field-cipher';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store';
import { signerCodeStoreContract } from './store-contract-signer-codes';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

signerCodeStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akkoord-store-'));
  dirs.push(dir);
  return new SqliteStore({ file: join(dir, 'test.db'), cipher: new FieldCipher(parseKeyRing(`k1:${randomBytes(32).toString('base64')}`)) });
});
