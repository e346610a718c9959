import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { Router } from 'express';

import { accessLogCsv, readAccessLog, recordAccess } from '../../dashboard/access-log';
import { requireRole, staffOf } from '../../dashboard/staff';
import type { DashboardDeps } from './index';
import { langSwitch } from './request-pages';

const PAGE_SIZE = 50;
const KNOWN_ACTIONS = new Set(['overview.view', 'request.view', 'document.download', 'access-log.export']);

/** Dashboard administration: the access log (issue 11), for admins only; read page by page or exported as CSV. */
export function accessLogPages(deps: DashboardDeps): Router {
  const router = Router({ caseSensitive: true });
  router.use('/admin/access-log', requireRole('admin'));

  router.get('/admin/access-log', async (req, res) => {
    const staff = staffOf(res);
    const after = typeof req.query.after === 'string' && /^\d{1,15}$/.test(req.query.after) ? req.query.after : null;
    const page = await readAccessLog(deps, staff.organisationId, PAGE_SIZE, after);
    const entries = page.items.map((e) => ({
      ...e,
      atIso: e.at.toISOString(),
      actionKey: KNOWN_ACTIONS.has(e.action) ? `dash.access.actions.${e.action}` : 'dash.access.actions.other',
    }));
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(deps.views.render('dash-access-log', {
      layout: 'dashboard', lang: staff.language, ...langSwitch(req, staff.language), staff, organisationName: res.locals.organisationName, nav: 'admin',
      entries,
      nextUrl: page.nextCursor ? `/app/admin/access-log?after=${page.nextCursor}` : null,
      firstUrl: after ? '/app/admin/access-log' : null,
    }));
  });

  // The export is a view of the log itself: it is logged first, so it lists itself.
  router.get('/admin/access-log/export.csv', async (_req, res) => {
    const staff = staffOf(res);
    await recordAccess(deps, staff, { action: 'access-log.export' });
    const day = deps.clock.now().toISOString().slice(0, 10);
    res.status(200).type('text/csv; charset=utf-8').setHeader('Content-Disposition', `attachment; filename="akkoord-access-log-${day}.csv"`).setHeader('Cache-Control', 'no-store');
    await pipeline(Readable.from(accessLogCsv(deps, staff.organisationId)), res);
  });

  return router;
}
