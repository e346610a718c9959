import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';

import { changeColleagueRole, inviteStaff, listColleagues, removeColleague, signOutColleague } from '../../dashboard/accounts';
import { createOrganisationApiKey, listOrganisationApiKeys, revokeOrganisationApiKey } from '../../dashboard/api-key-admin';
import { requireRole, staffCsrfOk, staffOf, type StaffPrincipal } from '../../dashboard/staff';
import { AppError, isAppError } from '../../errors';
import { LOGO_MAX_BYTES } from '../../organisations/organisation-logo';
import { LIFECYCLE_SETTING_FIELDS, updateOrganisation, type OrganisationInput } from '../../organisations/organisation-settings';
import { readMultipart } from '../middleware/multipart';
import { logoUrl } from '../public/organisation-view';
import type { DashboardDeps } from './index';

/**
 * Dashboard: administration (colleagues, API keys, settings; the access log is in
 * access-log-pages.ts). Administrators only: a youth worker gets the 403 page. Every change
 * is one call into a use case (dashboard/accounts.ts, dashboard/api-key-admin.ts,
 * organisations/organisation-settings.ts), scoped to the administrator's own organisation.
 */
const SETTING_FIELDS = ['name', 'contactPhone', 'contactEmail', 'website', 'privacyStatementUrl', 'dpoContact', 'smsSenderName', 'emailSenderName', 'emailReplyTo', 'defaultLanguage', 'reminderAfterDays', 'expiryDays', ...LIFECYCLE_SETTING_FIELDS] as const;
type SettingField = (typeof SETTING_FIELDS)[number];

const body = (req: Request, name: string): string => {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

export function adminPages(deps: DashboardDeps): Router {
  const router = Router({ caseSensitive: true });
  const wrap = (handler: (req: Request, res: Response, next: NextFunction) => Promise<void>): RequestHandler => (req, res, next) => handler(req, res, next).catch(next);
  const render = (req: Request, res: Response, page: string, model: object, status = 200) => {
    const staff = staffOf(res);
    const other = staff.language === 'nl' ? 'en' : 'nl';
    res
      .status(status)
      .type('html')
      .send(deps.views.render(page, { layout: 'dashboard', lang: staff.language, staff, organisationName: res.locals.organisationName, nav: 'admin', langSwitchUrl: `/app${req.path}?lang=${other}`, otherLang: other, ...model }));
  };

  router.use('/admin', requireRole('admin'));

  router.get('/admin', (req, res) => render(req, res, 'dash-admin', {}));

  // ---- colleagues ----
  const colleaguesPage = async (req: Request, res: Response, extra: object = {}, status = 200) => {
    const staff = staffOf(res);
    const colleagues = await listColleagues(deps, staff);
    const notice = typeof req.query.done === 'string' && ['role', 'removed', 'signedOut'].includes(req.query.done) ? req.query.done : undefined;
    render(req, res, 'dash-admin-colleagues', { colleagues, notice, form: { email: '', role: 'youth-worker' }, ...extra }, status);
  };

  router.get('/admin/colleagues', wrap(async (req, res) => colleaguesPage(req, res)));

  router.post('/admin/colleagues', wrap(async (req, res) => {
    const staff = staffOf(res);
    const form = { email: body(req, 'email'), role: body(req, 'role') };
    try {
      const invite = await inviteStaff(deps, { organisationId: staff.organisationId, email: form.email, role: form.role });
      await colleaguesPage(req, res, { invited: invite });
    } catch (error) {
      if (!isAppError(error)) throw error;
      const key = error.code === 'conflict' ? 'dash.admin.colleagues.emailTaken' : error.errors?.[0]?.path === 'role' ? 'dash.admin.colleagues.roleInvalid' : 'dash.admin.colleagues.emailInvalid';
      await colleaguesPage(req, res, { form, errors: [{ field: error.errors?.[0]?.path === 'role' ? 'role' : 'email', key }] }, error.status);
    }
  }));

  const colleagueAction = (action: (staff: StaffPrincipal, id: string, req: Request) => Promise<unknown>, done: string): RequestHandler =>
    wrap(async (req, res) => {
      const staff = staffOf(res);
      try {
        await action(staff, String(req.params.id), req);
      } catch (error) {
        if (isAppError(error) && error.code === 'conflict') return colleaguesPage(req, res, { errors: [{ field: 'colleagues', key: 'dash.admin.colleagues.lastAdmin' }] }, 409);
        if (isAppError(error) && error.code === 'validation_failed') return colleaguesPage(req, res, { errors: [{ field: 'colleagues', key: 'dash.admin.colleagues.roleInvalid' }] }, 422);
        throw error;
      }
      // Demoting or removing yourself, or signing yourself out everywhere, ends what you may see here.
      res.redirect(303, String(req.params.id) === staff.userId ? '/app' : `/app/admin/colleagues?done=${done}`);
    });

  router.get('/admin/colleagues/:id/remove', wrap(async (req, res) => {
    const colleague = (await listColleagues(deps, staffOf(res))).find((c) => c.id === req.params.id);
    if (!colleague) throw new AppError('not_found', 'There is no such colleague.');
    render(req, res, 'dash-admin-remove', { colleague });
  }));
  router.post('/admin/colleagues/:id/role', colleagueAction((staff, id, req) => changeColleagueRole(deps, staff, id, body(req, 'role')), 'role'));
  router.post('/admin/colleagues/:id/remove', colleagueAction((staff, id) => removeColleague(deps, staff, id), 'removed'));
  router.post('/admin/colleagues/:id/sign-out', colleagueAction((staff, id) => signOutColleague(deps, staff, id), 'signedOut'));

  // ---- API keys ----
  const keysPage = async (req: Request, res: Response, extra: object = {}, status = 200) => {
    const keys = await listOrganisationApiKeys(deps, staffOf(res));
    const notice = req.query.done === 'revoked' ? 'revoked' : undefined;
    render(req, res, 'dash-admin-api-keys', { keys, notice, form: { name: '' }, ...extra }, status);
  };

  router.get('/admin/api-keys', wrap(async (req, res) => keysPage(req, res)));

  router.post('/admin/api-keys', wrap(async (req, res) => {
    try {
      const created = await createOrganisationApiKey(deps, staffOf(res), body(req, 'name'), body(req, 'readOnly') === 'yes');
      await keysPage(req, res, { created });
    } catch (error) {
      if (!isAppError(error) || error.code !== 'validation_failed') throw error;
      await keysPage(req, res, { form: { name: body(req, 'name'), readOnly: body(req, 'readOnly') === 'yes' }, errors: [{ field: 'name', key: 'dash.admin.keys.nameInvalid' }] }, 422);
    }
  }));

  router.post('/admin/api-keys/:id/revoke', wrap(async (req, res) => {
    try {
      await revokeOrganisationApiKey(deps, staffOf(res), String(req.params.id));
    } catch (error) {
      // Revoked twice (two tabs): the key is revoked, which is what was asked.
      if (!(isAppError(error) && error.code === 'conflict')) throw error;
    }
    res.redirect(303, '/app/admin/api-keys?done=revoked');
  }));

  // ---- organisation settings ----
  const settingsPage = async (req: Request, res: Response, extra: { values?: Record<string, string>; errors?: object[] } = {}, status = 200) => {
    const staff = staffOf(res);
    const organisation = await deps.store.getOrganisation(staff.organisationId);
    const settings = await deps.store.getOrganisationSettings(staff.organisationId);
    if (!organisation || !settings) throw new AppError('not_found', 'organisation');
    const current: Record<string, string> = { name: organisation.name };
    for (const f of SETTING_FIELDS) if (f !== 'name') current[f] = settings[f] === null || settings[f] === undefined ? '' : String(settings[f]);
    const notice = req.query.done === 'saved' ? 'saved' : undefined;
    render(req, res, 'dash-admin-settings', { values: extra.values ?? current, errors: extra.errors, notice, logoUrl: settings.logoPng ? logoUrl(staff.organisationId, settings.logoPng) : null, logoMaxKb: LOGO_MAX_BYTES / 1024 }, status);
  };

  router.get('/admin/settings', wrap(async (req, res) => settingsPage(req, res)));

  // multipart (the logo): the session guard leaves the CSRF check to this route, which makes it
  // before it reads a single byte of the file.
  router.post('/admin/settings', wrap(async (req, res, next) => {
    const staff = staffOf(res);
    const csrfError = () => Object.assign(new Error('forbidden'), { status: 403, expose: true });
    let parsed;
    try {
      parsed = await readMultipart(req, { maxFileBytes: LOGO_MAX_BYTES, fileField: 'logo', beforeFile: (fields) => (staffCsrfOk(res, fields._csrf) ? null : new AppError('forbidden', 'csrf')) });
    } catch (error) {
      if (isAppError(error) && error.code === 'forbidden') return next(csrfError());
      if (isAppError(error) && error.code === 'validation_failed') return settingsPage(req, res, { errors: [{ field: 'logo', key: 'dash.admin.settings.invalid.logo' }] }, 422);
      throw error;
    }
    if (!staffCsrfOk(res, parsed.fields._csrf)) return next(csrfError());
    const input: OrganisationInput = {};
    for (const f of SETTING_FIELDS) input[f as SettingField] = parsed.fields[f] ?? '';
    if (parsed.fields.removeLogo === 'yes') input.logo = Buffer.alloc(0);
    else if (parsed.file && parsed.file.bytes.length > 0) input.logo = parsed.file.bytes;
    try {
      await updateOrganisation(deps, staff.organisationId, input);
    } catch (error) {
      if (!isAppError(error) || error.code !== 'validation_failed') throw error;
      const path = error.errors?.[0]?.path ?? 'name';
      const values: Record<string, string> = {};
      for (const f of SETTING_FIELDS) values[f] = parsed.fields[f] ?? '';
      const key = (LIFECYCLE_SETTING_FIELDS as readonly string[]).includes(path) ? `lifecycle.settings.invalid.${path}` : `dash.admin.settings.invalid.${(SETTING_FIELDS as readonly string[]).includes(path) || path === 'logo' ? path : 'name'}`;
      return settingsPage(req, res, { values, errors: [{ field: path, key }] }, 422);
    }
    res.redirect(303, '/app/admin/settings?done=saved');
  }));

  return router;
}
