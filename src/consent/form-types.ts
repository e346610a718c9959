/** A text in the two languages every form ships: Dutch first, English second. */
export type Language = 'nl' | 'en';
export const LANGUAGES: readonly Language[] = ['nl', 'en'];
export type LocalizedText = Record<Language, string>;

export type Audience = 'under16' | '16plus' | 'any';
export type SignerRole = 'guardian' | 'participant';

/**
 * What a purpose is about (issue 12). Only a `registration` purpose may be `required`: photos,
 * sharing and health are always free choices, so taking part never depends on them. `images` and
 * `health` purposes need every guardian by default (`needsAllGuardians`); `health` is special
 * category data (GDPR art. 9) and needs explicit consent.
 */
export type PurposeKind = 'registration' | 'contact' | 'images' | 'sharing' | 'health' | 'other';
export const PURPOSE_KINDS: readonly PurposeKind[] = ['registration', 'contact', 'images', 'sharing', 'health', 'other'];

export interface FormPurpose {
  /** Stable id, kebab-case, unique within the form (e.g. `registratie`, `foto-website`). */
  id: string;
  /** True when granting this purpose is what allows the organisation to register the person (`mayRegister`). */
  required: boolean;
  /** Special category data (GDPR art. 9, e.g. health): needs explicit consent. */
  specialCategory: boolean;
  label: LocalizedText;
  description: LocalizedText;
  /** What choosing "Nee" means for this purpose, shown beside the choice; absent gives a generic line. Written in the form's form of address ("u" or "je"; the wij-form in a form for any audience). */
  whenNo?: LocalizedText | undefined;
  /** What the purpose is about; 'other' when the form does not say. Absent in snapshots stored before issue 12 (read as 'other'). */
  kind?: PurposeKind | undefined;
  /**
   * With joint parental authority this purpose counts as granted only when every guardian granted
   * it; a "no" or a withdrawal by either counts as "no" at once. Defaults to true for `images` and
   * `health` purposes and for special-category data. Absent in old snapshots: false.
   */
  needsAllGuardians?: boolean | undefined;
  /**
   * The separate explicit statement a signer ticks for special-category data (required when
   * `specialCategory` is true), e.g. "Ik geef uitdrukkelijk toestemming voor …".
   */
  explicitStatement?: LocalizedText | undefined;
}

export interface FormSection {
  heading: LocalizedText;
  body: LocalizedText;
}

export interface ConsentForm {
  id: string;
  /** 16 hex chars of the SHA-256 over the canonical JSON of the form's content (everything below except `version`/`sourceFile`). */
  version: string;
  audience: Audience;
  languages: Language[];
  title: LocalizedText;
  /** Short lead text at the top of the signing page. */
  intro: LocalizedText;
  /** The full text the signer reads, in order. */
  sections: FormSection[];
  purposes: FormPurpose[];
  /** The declaration the signer confirms, per role. `{childFirstName}` is replaced by the subject's first name. */
  declarations: Record<SignerRole, LocalizedText>;
  /** Default validity of a signed consent in months (yearly renewal = 12). */
  validForMonths: number;
  /** Optional last day (YYYY-MM-DD, inclusive, Amsterdam) on which any consent on this form counts, e.g. the end of the school year; the earlier of this and `validForMonths` wins. */
  validUntil?: string | undefined;
  /** Overrides of the reminder defaults (REMINDER_* settings) for requests with this form. */
  reminders?: { afterDays?: number | undefined; automatic?: number | undefined; max?: number | undefined } | undefined;
  /**
   * The signer confirms a one-time code sent to the phone or e-mail the link went to before the
   * decision is recorded, for every purpose (issue 12). Special-category purposes answered "yes"
   * always need the code, whatever this says.
   */
  verifySigner?: boolean | undefined;
  /** A short child-friendly summary shown beside the guardian text (optional). */
  childSummary?: LocalizedText | undefined;
  /** File the form was loaded from (not part of the version hash). */
  sourceFile: string;
}
