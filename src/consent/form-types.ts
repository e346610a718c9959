/** A text in the two languages every form ships: Dutch first, English second. */
export type Language = 'nl' | 'en';
export const LANGUAGES: readonly Language[] = ['nl', 'en'];
export type LocalizedText = Record<Language, string>;

export type Audience = 'under16' | '16plus' | 'any';
export type SignerRole = 'guardian' | 'participant';

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
  /** File the form was loaded from (not part of the version hash). */
  sourceFile: string;
}
