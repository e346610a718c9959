import { z } from 'zod';

import { STATUSES } from '../../../consent/lifecycle';
import { cleanText, TEXT_PROBLEM_MESSAGES } from '../../../shared/text';

/**
 * A person's name (src/shared/text.ts): unpaired surrogates, control characters and bidi
 * overrides are refused, invisible characters removed, whitespace trimmed and collapsed; at most
 * 100 characters counted after that cleaning (NFC can make a name longer: 100 × U+FB2C becomes
 * 300), and a name of only invisible characters is empty. The raw text is bounded too (1,000).
 */
export const MAX_NAME_LENGTH = 100;
const NAME_TOO_LONG = `At most ${MAX_NAME_LENGTH} characters (counted after cleaning and NFC normalisation).`;
export const personName = z
  .string()
  .max(10 * MAX_NAME_LENGTH, NAME_TOO_LONG)
  .describe('A name, at most 100 characters after cleaning. Trimmed, whitespace collapsed, invisible characters removed (NFC); control characters, unpaired surrogates and bidi overrides/isolates (U+202A–U+202E, U+2066–U+2069) are a 422.')
  .transform((value, ctx) => {
    const cleaned = cleanText(value);
    if (!cleaned.ok) {
      ctx.addIssue({ code: 'custom', message: TEXT_PROBLEM_MESSAGES[cleaned.problem] });
      return z.NEVER;
    }
    if (cleaned.value.length > MAX_NAME_LENGTH) {
      ctx.addIssue({ code: 'custom', message: NAME_TOO_LONG });
      return z.NEVER;
    }
    return cleaned.value;
  });
const name = personName;

/** The youth worker who asked: a name as above, and a role (at most 60 characters, cleaned alike). */
export const MAX_ROLE_LENGTH = 60;
const ROLE_TOO_LONG = `At most ${MAX_ROLE_LENGTH} characters (counted after cleaning and NFC normalisation).`;
const role = z
  .string()
  .max(10 * MAX_ROLE_LENGTH, ROLE_TOO_LONG)
  .describe('A role such as "jongerenwerker", at most 60 characters after the same cleaning as a name.')
  .transform((value, ctx) => {
    const cleaned = cleanText(value);
    if (!cleaned.ok) {
      ctx.addIssue({ code: 'custom', message: TEXT_PROBLEM_MESSAGES[cleaned.problem] });
      return z.NEVER;
    }
    if (cleaned.value.length > MAX_ROLE_LENGTH) {
      ctx.addIssue({ code: 'custom', message: ROLE_TOO_LONG });
      return z.NEVER;
    }
    return cleaned.value;
  });

export const subjectReference = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'use letters, digits and . _ : / - only');

export const createConsentRequestBody = z
  .object({
    formId: z.string().min(1).max(64),
    subject: z
      .object({
        reference: subjectReference,
        firstName: name,
        lastName: name.optional(),
        dateOfBirth: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD'),
      })
      .strict(),
    recipient: z
      .object({
        name: name.optional(),
        channel: z.enum(['sms', 'email']),
        phone: z.string().max(40).optional(),
        email: z.string().max(254).optional(),
        language: z.enum(['nl', 'en']).optional(),
      })
      .strict(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    requestedBy: z.object({ name, role: role.optional() }).strict().optional(),
    reminders: z
      .object({
        afterDays: z.number().int().min(1).max(30).optional(),
        automatic: z.number().int().min(0).max(5).optional(),
        max: z.number().int().min(0).max(5).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type CreateConsentRequestBody = z.infer<typeof createConsentRequestBody>;

/** Issue 12: POST /consent-requests/{id}/second-guardian: the second guardian, as a create's recipient. */
export const secondGuardianBody = z.object({ recipient: createConsentRequestBody.shape.recipient }).strict();
export type SecondGuardianBody = z.infer<typeof secondGuardianBody>;

export const listQuery = z
  .object({
    subjectReference: subjectReference.optional(),
    status: z.enum(STATUSES).optional(),
    formId: z.string().min(1).max(64).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(200).optional(),
  })
  .strict();

export const idParams = z.object({ id: z.string().min(1).max(64) });

export const documentParams = idParams.extend({ documentId: z.string().min(1).max(64) });
