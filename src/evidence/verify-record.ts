import { createHash, type X509Certificate } from 'node:crypto';

import type { Store } from '../storage/store';
import { verifySealedPdf } from './seal-pdf';

/** The largest PDF /verify and POST /api/v1/verify read: 20 MiB = 20,971,520 bytes, exactly. */
export const MAX_VERIFY_PDF_BYTES = 20 * 1024 * 1024;

export interface RecordVerification {
  /** An unmodified record of this service: its exact bytes are on file and its seal holds. */
  authentic: boolean;
  sha256: string;
  /** Only facts that are printed in the file itself: no names, no contact details. */
  record: { requestId: string; kind: string; formId: string; formVersion: string; recordedAt: string } | null;
  seal: {
    sealed: boolean;
    intact: boolean;
    byOurKey: boolean;
    signer: string | null;
    signedAt: string | null;
    timestamped: boolean;
    /** The valid time-stamp: the TSA's time (genTime) and the TSA as its certificate names it. */
    timestamp: { time: string; authority: { name: string | null; organization: string | null; subject: string } } | null;
    /** Why a time-stamp token in the file does not count (null when there is none or it holds). */
    timestampProblem: string | null;
    problem: string | null;
  };
}

/**
 * Checks an uploaded PDF two ways: is this exact file one we issued (SHA-256 on file), and does
 * its seal hold (signature over every byte, by our certificate). With an organisation, only that
 * organisation's records count as known.
 */
export async function verifyRecord(deps: { store: Store; trustedCertificatePems: string[]; trustedTsaCertificates?: readonly X509Certificate[] }, pdf: Buffer, organisationId: string | null): Promise<RecordVerification> {
  const sha256 = createHash('sha256').update(pdf).digest('hex');
  const matches = (await deps.store.findDocumentsBySha256(sha256)).filter((d) => organisationId === null || d.organisationId === organisationId);
  const seal = verifySealedPdf(pdf, deps.trustedCertificatePems, deps.trustedTsaCertificates ?? []);
  const known = matches[0];
  const request = known ? await deps.store.getConsentRequest(known.organisationId, known.requestId) : null;
  return {
    authentic: Boolean(known && request) && seal.intact && seal.byOurKey,
    sha256,
    record: known && request ? { requestId: known.requestId, kind: known.kind, formId: request.formId, formVersion: request.formVersion, recordedAt: known.createdAt.toISOString() } : null,
    seal: {
      sealed: seal.sealed,
      intact: seal.intact,
      byOurKey: seal.byOurKey,
      signer: seal.signerSubject,
      signedAt: seal.signedAt?.toISOString() ?? null,
      timestamped: seal.timestamped,
      timestamp:
        seal.timestampedAt && seal.timestampAuthority
          ? { time: seal.timestampedAt.toISOString(), authority: { name: seal.timestampAuthority.commonName, organization: seal.timestampAuthority.organization, subject: seal.timestampAuthority.subject } }
          : null,
      timestampProblem: seal.timestampProblem,
      problem: seal.problem,
    },
  };
}
