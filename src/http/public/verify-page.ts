import type { X509Certificate } from 'node:crypto';

import { Router, type Request, type Response } from 'express';

import { AppError } from '../../errors';
import { sniffScanType } from '../../evidence/scan-type';
import { MAX_VERIFY_PDF_BYTES, verifyRecord, type RecordVerification } from '../../evidence/verify-record';
import type { Store } from '../../storage/store';
import { readMultipart, stopReadingBody, UploadTooLarge } from '../middleware/multipart';
import type { Views } from '../views';
import { checkCsrf, hasCsrfCookie, issueCsrf } from './csrf';
import { pageLanguage } from './error-pages';

/**
 * /verify: anyone holding an Akkoord PDF can check it is an unmodified record of this service.
 * It shows only what the file itself already says (request id, form version, dates).
 */
export function verifyPage(deps: { store: Store; views: Views; secureCookies: boolean; trustedCertificatePems: () => string[]; trustedTsaCertificates: readonly X509Certificate[] }): Router {
  const router = Router();
  const lang = (req: Request) => pageLanguage(req);
  const render = (req: Request, res: Response, status: number, result: RecordVerification | null, error: string | null) => {
    const l = lang(req);
    res.status(status).setHeader('Cache-Control', 'no-store').type('html').send(
      deps.views.render('verify', {
        lang: l,
        otherLang: l === 'nl' ? 'en' : 'nl',
        langSwitchUrl: `?lang=${l === 'nl' ? 'en' : 'nl'}`,
        organisationName: '',
        action: `/verify?lang=${l}`,
        csrfToken: issueCsrf(req, res, deps.secureCookies, '/verify'),
        result,
        error,
      }),
    );
  };
  router.get('/', (req, res) => render(req, res, 200, null, null));
  router.post('/', async (req, res) => {
    // CSRF first: without the cookie nothing is read; with it, the form's hidden field (its first
    // part) must match before the file part starts, or the upload is refused unread.
    const csrfRefused = () => new AppError('forbidden', 'The CSRF check failed.');
    if (!hasCsrfCookie(req)) {
      stopReadingBody(req);
      return render(req, res, 403, null, deps.views.translate(lang(req), 'verify.errorCsrf'));
    }
    let body;
    try {
      body = await readMultipart(req, { maxFileBytes: MAX_VERIFY_PDF_BYTES, fileField: 'file', beforeFile: (fields) => (checkCsrf(req, fields._csrf) ? null : csrfRefused()) });
    } catch (error) {
      if (error instanceof AppError && error.code === 'forbidden') return render(req, res, 403, null, deps.views.translate(lang(req), 'verify.errorCsrf'));
      return render(req, res, 422, null, deps.views.translate(lang(req), error instanceof UploadTooLarge ? 'verify.errorTooLarge' : 'verify.errorUnreadable'));
    }
    if (!checkCsrf(req, body.fields._csrf)) return render(req, res, 403, null, deps.views.translate(lang(req), 'verify.errorCsrf'));
    const pdf = body.file?.bytes;
    if (!pdf || sniffScanType(pdf) !== 'application/pdf') return render(req, res, 422, null, deps.views.translate(lang(req), 'verify.errorNotPdf'));
    render(req, res, 200, await verifyRecord({ store: deps.store, trustedCertificatePems: deps.trustedCertificatePems(), trustedTsaCertificates: deps.trustedTsaCertificates }, pdf, null), null);
  });
  return router;
}
