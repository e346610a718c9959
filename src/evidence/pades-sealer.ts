import type { X509Certificate } from 'node:crypto';

import { sealPdf } from './seal-pdf';
import type { SealOutcome, Sealer } from './sealer';
import type { SigningIdentity } from './signing-identity';

/** The Sealer adapter: PAdES (ETSI.CAdES.detached) with the organisation's certificate, RFC 3161 time-stamp when TSA_URL is set. */
export class PadesSealer implements Sealer {
  readonly timestamps: boolean;

  constructor(
    readonly identity: SigningIdentity,
    private readonly tsa: { url: string; timeoutMs: number; attempts: number; trusted?: readonly X509Certificate[] } | null,
  ) {
    this.timestamps = tsa !== null;
  }

  async seal(pdf: Buffer, info: { reason: string; name: string; contactInfo?: string; signedAt: Date }): Promise<SealOutcome> {
    return sealPdf(pdf, this.identity, { reason: info.reason, name: info.name, signedAt: info.signedAt, location: 'Nederland', ...(info.contactInfo ? { contactInfo: info.contactInfo } : {}), ...(this.tsa ? { tsa: this.tsa } : {}) });
  }
}
