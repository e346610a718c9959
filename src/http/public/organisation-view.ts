import { createHash } from 'node:crypto';

import { Router } from 'express';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

import type { OrganisationSettings, Store } from '../../storage/store';

/**
 * "Who is asking" on the public pages: the organisation's name, logo and contact details, as the
 * templates show them (templates/partials/org-header.hbs, the layout's footer). Only what the
 * organisation set is shown; nothing here is text for people (that lives in templates/i18n).
 */
export interface OrganisationView {
  name: string;
  /** Content-addressed: a new logo gets a new address, so the old one may be cached for ever. */
  logoUrl: string | null;
  phone: { href: string; text: string } | null;
  email: { href: string; text: string } | null;
  website: { href: string; text: string } | null;
  privacyStatementUrl: string | null;
  dpoContact: string | null;
  hasContact: boolean;
}

const LOGO_HASH_CHARS = 16;
const logoHash = (png: Buffer): string => createHash('sha256').update(png).digest('hex').slice(0, LOGO_HASH_CHARS);

/** The address of an organisation's logo: `/o/<orgId>/logo-<first 16 hex of its SHA-256>.png`. */
export const logoUrl = (organisationId: string, png: Buffer): string => `/o/${encodeURIComponent(organisationId)}/logo-${logoHash(png)}.png`;

export function organisationView(organisationId: string, name: string, settings: OrganisationSettings | null): OrganisationView {
  const s = settings;
  // Stored in E.164; shown the way people write it at home ("020 123 4567"), dialled as stored.
  const phone = s?.contactPhone ? { href: `tel:${s.contactPhone}`, text: parsePhoneNumberFromString(s.contactPhone)?.formatNational() ?? s.contactPhone } : null;
  const email = s?.contactEmail ? { href: `mailto:${s.contactEmail}`, text: s.contactEmail } : null;
  const website = s?.website ? { href: s.website, text: s.website.replace(/^https:\/\//, '').replace(/\/$/, '') } : null;
  return {
    name,
    logoUrl: s?.logoPng ? logoUrl(organisationId, s.logoPng) : null,
    phone,
    email,
    website,
    privacyStatementUrl: s?.privacyStatementUrl ?? null,
    dpoContact: s?.dpoContact ?? null,
    hasContact: Boolean(phone || email || website),
  };
}

/** Reads what the pages show about an organisation; null when it does not exist. */
export async function loadOrganisationView(store: Pick<Store, 'getOrganisation' | 'getOrganisationSettings'>, organisationId: string): Promise<OrganisationView | null> {
  const organisation = await store.getOrganisation(organisationId);
  if (!organisation) return null;
  return organisationView(organisationId, organisation.name, await store.getOrganisationSettings(organisationId));
}

/**
 * `/o/<orgId>/logo-<hash>.png`: the logo the pages show. The hash is part of the address, so the
 * answer never changes and is cached for a year (`immutable`); a wrong or old hash is a 404.
 * Always a PNG we encoded ourselves (organisation-logo.ts), served from our own origin (CSP img-src 'self').
 */
export function organisationLogos(deps: { store: Pick<Store, 'getOrganisationSettings'> }): Router {
  const router = Router({ caseSensitive: true, strict: true });
  router.get('/:organisationId/logo-:hash.png', async (req, res, next) => {
    const { organisationId, hash } = req.params as { organisationId: string; hash: string };
    if (!/^[0-9a-f]{16}$/.test(hash)) return next();
    const png = (await deps.store.getOrganisationSettings(organisationId))?.logoPng;
    if (!png || logoHash(png) !== hash) return next();
    res.status(200).type('image/png').setHeader('Cache-Control', 'public, max-age=31536000, immutable').send(png);
  });
  return router;
}
