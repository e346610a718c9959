import { displayPhone } from '../shared/phone-display';
import type { OrganisationSettings } from '../storage/store';

/**
 * What a record shows of the organisation besides its name (issue 10): the logo and how to reach
 * it, as the controller ("verwerkingsverantwoordelijke"), with its data protection officer.
 */
export interface PdfOrganisation {
  /** A PNG we re-encoded ourselves (organisations/organisation-logo.ts). */
  logoPng: Buffer | null;
  contactPhone: string | null;
  contactEmail: string | null;
  website: string | null;
  privacyStatementUrl: string | null;
  dpoContact: string | null;
}

export const NO_ORGANISATION_DETAILS: PdfOrganisation = { logoPng: null, contactPhone: null, contactEmail: null, website: null, privacyStatementUrl: null, dpoContact: null };

export function pdfOrganisation(settings: OrganisationSettings | null): PdfOrganisation {
  if (!settings) return NO_ORGANISATION_DETAILS;
  const { logoPng, contactPhone, contactEmail, website, privacyStatementUrl, dpoContact } = settings;
  // The number as people write it ("020 123 4567"); stored in E.164.
  return { logoPng, contactPhone: contactPhone && displayPhone(contactPhone), contactEmail, website, privacyStatementUrl, dpoContact };
}

/**
 * The seal's signer as the document shows it: /Name is the organisation's name, /ContactInfo its
 * name with its contact details, so a signature panel (or `pdfsig`) names the same organisation as
 * the page. Without a name the seal says "Akkoord".
 */
export function sealInfo(organisationName: string | undefined, settings: OrganisationSettings | null, reason: string, signedAt: Date): { reason: string; name: string; contactInfo?: string; signedAt: Date } {
  const name = organisationName || 'Akkoord';
  const contact = [settings?.contactEmail, settings?.contactPhone && displayPhone(settings.contactPhone), settings?.website].filter((v): v is string => Boolean(v));
  return { reason, name, ...(organisationName ? { contactInfo: [name, ...contact].join(', ') } : {}), signedAt };
}
