import type { X509Certificate } from 'node:crypto';

import express, { Router, type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';

import type { RequestConsentDeps } from '../consent/request-consent';
import type { SignDeps } from '../consent/sign-consent';
import type { PaperDeps } from '../consent/record-paper-consent';
import type { WithdrawDeps } from '../consent/withdraw-consent';
import type { FormCatalog } from '../consent/forms';
import type { StaffAuthSettings } from '../dashboard/accounts';
import { authOf, requireApiKey, statusReadOnly } from './middleware/auth';
import { errorHandler, limitedToErrorHandler, notFoundHandler, notFoundPage } from './middleware/errors';
import { limitPerMinute } from './middleware/rate-limit';
import { apiHeaders, deferredApiHeaders } from './middleware/api-headers';
import { compressResponses } from './middleware/compress';
import { requestId } from './middleware/request-id';
import { apiDocsPage } from './docs-page';
import { buildOpenApi, type OpenApiDocument } from './openapi';
import { homePage } from './public/error-pages';
import { organisationLogos } from './public/organisation-view';
import { signingPages } from './public/signing-pages';
import { dashboardRouter } from './dashboard';
import { verifyPage } from './public/verify-page';
import { verifyRouter } from './routes/verify';
import { consentRequestsRouter } from './routes/consent-requests';
import { formsRouter } from './routes/forms';
import { hooksRouter, type HooksDeps } from './routes/hooks';
import { subjectConsentHandler, subjectsRouter } from './routes/subjects';
import type { Views } from './views';
import { webhookEndpointsRouter } from './routes/webhook-endpoints';
import type { WebhookSettings } from '../webhooks/webhook-endpoints';

export interface AppDeps extends RequestConsentDeps, SignDeps, HooksDeps, PaperDeps, WithdrawDeps {
  forms: FormCatalog;
  views: Views;
  logger: Logger;
  trustedCertificatePems: () => string[];
  /** TSA_TRUSTED_CERTS (empty: not configured). */
  trustedTsaCertificates: readonly X509Certificate[];
  /** Set only when no provider is configured and not in production. */
  devOutboxEnabled: boolean;
  trustProxy: number;
  rateLimitApiPerMinute: number;
  rateLimitPublicPerMinute: number;
  rateLimitAuthFailuresPerMinute: number;
  rateLimitHooksPerMinute: number;
  /** The dashboard's staff sign-in: lookup key and password hash cost (dashboard/accounts.ts). */
  staffAuth: StaffAuthSettings;
  /** Issue 13: webhook endpoints (src/webhooks). */
  webhooks: WebhookSettings;
}


/** Shared by the API router and the hot status route, so both count against one limit per key. */
interface ApiGuards {
  auth: RequestHandler;
  limit: RequestHandler;
}

function apiGuards(deps: AppDeps): ApiGuards {
  return {
    auth: requireApiKey(deps.store, Date.now, deps.rateLimitAuthFailuresPerMinute),
    limit: limitPerMinute(deps.rateLimitApiPerMinute, (_req, res) => authOf(res.locals).keyId),
  };
}

const jsonBody = express.json({ limit: '100kb' });
/** GET and HEAD have no body: skip the parser's content-type checks on the hot path. */
const jsonUnlessRead: RequestHandler = (req, res, next) => (req.method === 'GET' || req.method === 'HEAD' ? next() : jsonBody(req, res, next));

function apiRouter(deps: AppDeps, guards: ApiGuards, document: OpenApiDocument): Router {
  const openApi = JSON.stringify(document);
  const api = Router();
  api.get('/openapi.json', (_req, res) => {
    res.type('json').send(openApi);
  });
  api.use(jsonUnlessRead);
  api.use(guards.auth);
  api.use(guards.limit);
  api.use(statusReadOnly);
  api.use('/forms', formsRouter(deps));
  api.use('/consent-requests', consentRequestsRouter(deps));
  api.use('/subjects', subjectsRouter(deps));
  api.use('/verify', verifyRouter(deps));
  api.use('/webhook-endpoints', webhookEndpointsRouter(deps));
  api.use(notFoundHandler);
  return api;
}

/** Builds the Express app without listening (tests start it on port 0). */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  // Built once: served as JSON under /api/v1 and rendered as the /docs page on its first request.
  const openApi = buildOpenApi(deps.publicBaseUrl);
  app.disable('x-powered-by');
  // `/C/<token>` must not reach the signing pages: a link has exactly one spelling (see also
  // signing-pages.ts, strict too), and every other spelling is a plain 404 (README, logging).
  app.set('case sensitive routing', true);
  // No ETags: API answers are small and mostly unique, and hashing every body costs CPU on the hot path.
  app.set('etag', false);
  app.set('trust proxy', deps.trustProxy);

  // The registration systems' hot path is routed first, on the app itself, ahead of the nested
  // routers: the same request id, access log, API headers, key guard and limiter state (one count
  // per key over all API routes) and the same answer, with less work per call (bench/README.md).
  const guards = apiGuards(deps);
  app.get('/api/v1/subjects/:reference/consent', deferredApiHeaders(deps.logger), guards.auth, guards.limit, subjectConsentHandler(deps));

  app.use(requestId(deps.logger));
  // After the status lookup above (its answers are a few hundred bytes, below the threshold).
  app.use(compressResponses());
  // The JSON API first, with the headers an API needs; helmet's page headers are for the HTML below.
  app.use('/api/v1', apiHeaders, apiRouter(deps, guards, openApi));

  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: deps.publicBaseUrl.startsWith('https://'),
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = await deps.store.isReady();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', store: deps.store.kind });
  });

  app.use('/static', deps.views.assets.handler);
  app.get('/', homePage(deps.views));
  app.get('/docs', apiDocsPage(deps.views, () => openApi));
  app.use('/o', limitPerMinute(deps.rateLimitPublicPerMinute, undefined, undefined, limitedToErrorHandler), organisationLogos(deps));

  app.use('/hooks', limitPerMinute(deps.rateLimitHooksPerMinute), hooksRouter(deps));
  app.use('/verify', limitPerMinute(deps.rateLimitPublicPerMinute, undefined, undefined, limitedToErrorHandler), verifyPage({ ...deps, secureCookies: deps.publicBaseUrl.startsWith('https://') }));

  app.use('/c', limitPerMinute(deps.rateLimitPublicPerMinute, undefined, undefined, limitedToErrorHandler), signingPages({ ...deps, secureCookies: deps.publicBaseUrl.startsWith('https://') }));

  // The youth workers' dashboard (issue 11).
  app.use('/app', dashboardRouter({ ...deps, secureCookies: deps.publicBaseUrl.startsWith('https://') }));

  if (deps.devOutboxEnabled) {
    app.get('/dev/outbox', limitPerMinute(deps.rateLimitPublicPerMinute, undefined, undefined, limitedToErrorHandler), async (req, res) => {
      const entries = await deps.store.listDevOutbox(100);
      const messages = entries.map((e) => ({ id: e.id, requestId: e.requestId, channel: e.channel, to: e.to, subject: e.subject, body: e.body, link: e.link, createdAt: e.createdAt.toISOString() }));
      res.setHeader('Cache-Control', 'no-store');
      if (req.accepts(['html', 'json']) === 'json') return void res.json({ data: messages });
      res.type('html').send(deps.views.render('dev-outbox', { lang: 'en', messages }));
    });
  }

  // People get pages, API clients problem+json (public/error-pages.ts).
  app.use(notFoundPage(deps.views));
  app.use(errorHandler(deps.logger, deps.views));
  return app;
}
