import express, { Router, type Request } from 'express';

import { normaliseEmail, normalisePhone } from '../../consent/contact-address';
import { signerSlotOf } from '../../consent/present-consent-request';
import { canInviteSecondGuardian, inviteSecondGuardian } from '../../consent/second-guardian';
import { requestDetail } from '../../dashboard/request-views';
import { staffOf } from '../../dashboard/staff';
import { AppError, isAppError } from '../../errors';
import type { ConsentRequestRecord } from '../../storage/store';
import type { DashboardDeps } from './index';
import { actorOf, detailModel, sendPage } from './request-pages';

/**
 * Both parents on the dashboard's request detail (issue 12): the family's signers, and on a first
 * guardian's request without an open second request a form that sends the second parent their
 * own link (consent/second-guardian.ts). Shown by templates/partials/family-dash-signers.hbs.
 */
export interface SecondGuardianValues {
  name: string;
  channel: string;
  address: string;
}

/** A field error as the dashboard's pages show it (see request-pages.ts). */
interface PageError {
  field: string;
  key: string;
  labelKey?: string;
}

/** The timeline's words for the family's events (issue 12). */
export const FAMILY_EVENT_LABELS: Readonly<Record<string, string>> = { second_guardian_invited: 'familyDash.events.secondGuardianInvited' };

const REQUEST_ID = /^cr_[A-Za-z0-9_-]{1,60}$/;
const urlencoded = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });
const text = (value: unknown): string => (typeof value === 'string' ? value.slice(0, 1000) : '');
const LABELS = { 'sg-name': 'familyDash.form.name', 'sg-channel': 'familyDash.form.channel', 'sg-address': 'familyDash.form.address' } as const;

/** The signers panel's model: every request of the family, and the invite form when it can be used on this request. */
export function familyPanel(request: ConsentRequestRecord, family: readonly ConsentRequestRecord[], values?: SecondGuardianValues) {
  const members = family.length > 0 ? family : [request];
  return {
    signers: members.map((r) => ({
      id: r.id,
      isThis: r.id === request.id,
      name: r.recipient.channel === 'paper' ? (r.signerName ?? r.recipient.name) : r.recipient.name,
      roleKey: `familyDash.role.${signerSlotOf(r)}`,
      authorityKey: r.authority ? `familyDash.authority.${r.authority}` : 'familyDash.authority.unknown',
      statusKey: `dash.requests.status.${r.status}`,
      decidedAt: r.decidedAt,
    })),
    canInvite: request.id === (members[0]?.id ?? request.id) && canInviteSecondGuardian(request, family),
    values: values ?? { name: '', channel: 'sms', address: '' },
  };
}

function formErrors(values: SecondGuardianValues): PageError[] {
  const errors: PageError[] = [];
  const error = (field: keyof typeof LABELS, key: string) => errors.push({ field, key: `familyDash.errors.${key}`, labelKey: LABELS[field] });
  if (!values.name.trim()) error('sg-name', 'name');
  if (values.channel !== 'sms' && values.channel !== 'email') error('sg-channel', 'channel');
  else if (!values.address.trim()) error('sg-address', 'address');
  else {
    // The address by the API's own rules (consent/contact-address.ts), as the new-request page does.
    try {
      if (values.channel === 'email') normaliseEmail(values.address.trim(), 'recipient.email');
      else normalisePhone(values.address.trim(), 'recipient.phone');
    } catch (e) {
      if (!isAppError(e)) throw e;
      error('sg-address', values.channel === 'email' ? 'addressEmail' : 'addressSms');
    }
  }
  return errors;
}

export function familyPages(deps: DashboardDeps): Router {
  const router = Router({ caseSensitive: true });
  const requestIdOf = (req: Request): string => {
    const id = text(req.params.id);
    if (!REQUEST_ID.test(id)) throw new AppError('not_found', 'There is no consent request with this id.');
    return id;
  };

  /** The guard before this router checked the session and `_csrf`. */
  router.post('/requests/:id/second-guardian', urlencoded, async (req, res) => {
    const staff = staffOf(res);
    const id = requestIdOf(req);
    const form = (req.body ?? {}) as Record<string, unknown>;
    const values: SecondGuardianValues = { name: text(form.name), channel: text(form.channel), address: text(form.address) };
    let errors = formErrors(values);
    if (errors.length === 0) {
      const address = values.address.trim();
      const recipient = { name: values.name, channel: values.channel as 'sms' | 'email', ...(values.channel === 'email' ? { email: address } : { phone: address }) };
      try {
        await inviteSecondGuardian(deps, staff.organisationId, id, actorOf(staff), { recipient }, { origin: 'caller' });
        res.redirect(303, `/app/requests/${id}?done=secondGuardian`);
        return;
      } catch (error) {
        if (!isAppError(error)) throw error;
        if (error.code === 'conflict') {
          sendPage(deps, res, 'dash-request-detail', detailModel(req, res, await requestDetail(deps, staff, id), { problem: 'familyDash.conflict' }), 409);
          return;
        }
        if (error.code !== 'validation_failed') throw error;
        // The address passed the rules above, so an address problem here is the first guardian's own address.
        errors = (error.errors ?? []).map((e) =>
          e.path === 'recipient.name' ? { field: 'sg-name', key: 'familyDash.errors.name', labelKey: LABELS['sg-name'] }
          : e.path === 'recipient.phone' || e.path === 'recipient.email' ? { field: 'sg-address', key: 'familyDash.errors.sameAddress', labelKey: LABELS['sg-address'] }
          : { field: '', key: 'familyDash.errors.other' },
        );
        if (errors.length === 0) errors = [{ field: '', key: 'familyDash.errors.other' }];
      }
    }
    sendPage(deps, res, 'dash-request-detail', detailModel(req, res, await requestDetail(deps, staff, id), { errors, secondGuardian: values }), 422);
  });

  return router;
}
