import type { X509Certificate } from 'node:crypto';

import express, { Router } from 'express';

import { AppError } from '../../../errors';
import { sniffScanType } from '../../../evidence/scan-type';
import { MAX_VERIFY_PDF_BYTES, verifyRecord } from '../../../evidence/verify-record';
import type { Store } from '../../../storage/store';
import { authOf } from '../../middleware/auth';
import { readMultipart } from '../../middleware/multipart';

/** POST /api/v1/verify: the PDF as `file` in multipart/form-data, or as the body with Content-Type application/pdf. */
export function verifyRouter(deps: { store: Store; trustedCertificatePems: () => string[]; trustedTsaCertificates: readonly X509Certificate[] }): Router {
  const router = Router();
  router.post('/', express.raw({ type: 'application/pdf', limit: MAX_VERIFY_PDF_BYTES }), async (req, res) => {
    const pdf = Buffer.isBuffer(req.body) && req.body.length > 0 ? req.body : (await readMultipart(req, { maxFileBytes: MAX_VERIFY_PDF_BYTES, fileField: 'file' })).file?.bytes;
    if (!pdf || pdf.length === 0) throw AppError.validation('file', 'Send the PDF to check.');
    if (sniffScanType(pdf) !== 'application/pdf') throw AppError.validation('file', 'This file is not a PDF.');
    res.json(await verifyRecord({ store: deps.store, trustedCertificatePems: deps.trustedCertificatePems(), trustedTsaCertificates: deps.trustedTsaCertificates }, pdf, authOf(res.locals).organisationId));
  });
  return router;
}
