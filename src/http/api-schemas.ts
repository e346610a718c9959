import { z } from 'zod';

import type { SubjectConsent } from '../consent/consent-status';
import { STATUSES } from '../consent/lifecycle';
import type { ConsentRequestView } from '../consent/present-consent-request';
import type { SubjectContactView } from '../consent/subject-contact';
import type { RecordVerification } from '../evidence/verify-record';
import type { WebhookDeliveryView, WebhookEndpointEventView, WebhookEndpointView, WebhookEndpointWithSecret } from '../webhooks/webhook-endpoints';
import { WEBHOOK_ENDPOINT_EVENT_TYPES } from '../webhooks/webhook-store';
import type { ConsentDocumentView } from './routes/consent-requests';
import type { FormView } from './routes/forms';

/**
 * The API's response shapes (and the multipart bodies, which no zod middleware parses), each
 * defined once and named: openapi.ts turns them into `components.schemas`. Objects are strict
 * (additionalProperties false), so a field a handler adds without documenting it fails the
 * response tests (test/http/openapi.test.ts), and the type checks at the end fail `tsc` when a
 * presenter and its schema part ways.
 */
export const apiComponents = z.registry<{ id: string }>();
function component<S extends z.ZodType>(id: string, schema: S): S {
  apiComponents.add(schema, { id });
  return schema;
}

const instant = z.iso.datetime().describe('ISO 8601 UTC');
const slot = z.enum(['guardian', 'second-guardian', 'participant']);

export const problemSchema = component(
  'Problem',
  z.strictObject({
    type: z.string().describe('https://akkoord.nl/problems/<code>'),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    code: z.string().describe('Stable; branch on this, never on the text.'),
    detail: z.string().optional(),
    errors: z.array(z.strictObject({ path: z.string().describe('The field, e.g. `recipient.phone` or `query.limit`.'), message: z.string() })).optional(),
    requestId: z.string().optional().describe('Quote this when you report a problem.'),
  }),
);

const localized = component('Localized', z.strictObject({ nl: z.string(), en: z.string() }));

export const formSchema = component(
  'Form',
  z.strictObject({
    id: z.string(),
    version: z.string().describe('Derived from the content (hash): a changed text is a new version.'),
    title: localized,
    audience: z.enum(['under16', '16plus', 'any']),
    languages: z.array(z.enum(['nl', 'en'])),
    validForMonths: z.number().int().describe('How long a signed consent counts.'),
    validUntil: z.string().optional().describe('Optional last day (YYYY-MM-DD) of any consent on this form.'),
    purposes: z.array(
      z.strictObject({
        id: z.string(),
        label: localized,
        description: localized,
        required: z.boolean().describe('Granting it is what allows registering the person (`mayRegister`).'),
        specialCategory: z.boolean().describe('Special category data (GDPR art. 9): needs explicit consent.'),
      }),
    ),
  }),
);
export const formListSchema = component('FormList', z.strictObject({ data: z.array(formSchema) }));

export const consentRequestSchema = component(
  'ConsentRequest',
  z.strictObject({
    id: z.string(),
    formId: z.string(),
    formVersion: z.string(),
    status: z.enum(STATUSES),
    signerRole: z.enum(['guardian', 'participant']),
    language: z.enum(['nl', 'en']),
    subject: z.strictObject({ reference: z.string() }),
    recipient: z.strictObject({ channel: z.enum(['sms', 'email', 'paper']).describe('`paper` for consent recorded from a paper form.'), maskedAddress: z.string() }),
    decisions: z.array(z.strictObject({ purposeId: z.string(), granted: z.boolean() })),
    createdAt: instant,
    updatedAt: instant,
    expiresAt: instant,
    sentAt: instant.nullable(),
    openedAt: instant.nullable(),
    signedAt: instant.nullable(),
    decidedAt: instant.nullable(),
    validUntil: instant.nullable().describe('For a signed request: when its consent stops counting.'),
    deliveredAt: instant.nullable(),
    reminderCount: z.number().int().min(0),
    reminders: z.strictObject({ afterDays: z.number().int(), automatic: z.number().int(), max: z.number().int() }).describe('Automatic reminders `afterDays` apart, at most `max` in all (manual ones included).'),
    failureReason: z.string().nullable().describe('Why the message could not be delivered (status `failed`).'),
    sealState: z
      .enum(['timestamped', 'no_timestamp_authority', 'timestamp_pending'])
      .nullable()
      .describe('The time-stamp of the record: null before there is a record; timestamp_pending while the TSA failed (retried every 5 minutes).'),
    requestedBy: z.strictObject({ name: z.string(), role: z.string().nullable() }).nullable().describe('The youth worker who asked, as given when creating (cleaned); null when not given or erased.'),
    signerSlot: slot.describe('The signer’s place in the family: the first guardian asked, the second guardian (joint parental authority), or the participant (16+).'),
    primaryRequestId: z.string().nullable().describe('For a second guardian’s request: the first guardian’s request (the family id); null otherwise.'),
    signers: z
      .array(
        z.strictObject({
          requestId: z.string(),
          role: slot,
          authority: z.enum(['sole', 'joint']).nullable().describe('What the guardian declared when deciding; null before deciding, for a participant, or when not asked.'),
          status: z.enum(STATUSES),
          decidedAt: instant.nullable(),
        }),
      )
      .describe('Every request of the family, the first guardian’s first; a one-person family lists itself.'),
  }),
);
export const consentRequestPageSchema = component('ConsentRequestPage', z.strictObject({ data: z.array(consentRequestSchema), nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last.') }));

export const eventSchema = component(
  'Event',
  z.strictObject({
    id: z.string(),
    type: z.string(),
    at: instant,
    actor: z.string().describe('`api:<keyId>`, `recipient`, `system`, `provider:<name>`, … never a name.'),
    detail: z.record(z.string(), z.unknown()),
    hash: z.string().describe('The audit chain hash over this event and the one before.'),
  }),
);
export const eventListSchema = component('EventList', z.strictObject({ data: z.array(eventSchema) }));

export const consentDocumentSchema = component(
  'ConsentDocument',
  z.strictObject({
    id: z.string(),
    kind: z.enum(['consent-pdf', 'withdrawal-receipt', 'paper-record']),
    version: z.number().int().min(1),
    supersedes: z.string().nullable(),
    timestamped: z.boolean(),
    contentType: z.string(),
    sha256: z.string().describe('Hex; the same value as the `Digest` header of the download.'),
    createdAt: instant,
    sealState: z.enum(['timestamped', 'no_timestamp_authority', 'timestamp_pending', 'timestamp_added_later']).nullable(),
  }),
);
export const consentDocumentListSchema = component('ConsentDocumentList', z.strictObject({ data: z.array(consentDocumentSchema) }));

export const subjectConsentSchema = component(
  'SubjectConsent',
  z.strictObject({
    subjectReference: z.string(),
    purposes: z.array(
      z.strictObject({
        formId: z.string(),
        purposeId: z.string(),
        granted: z.boolean().describe('The latest decision grants the purpose and it has not lapsed.'),
        since: instant.describe('When the latest decision was recorded.'),
        requestId: z.string(),
        validUntil: instant.nullable().describe('When a grant stops counting (exclusive): 00:00 Europe/Amsterdam after its last day. Null for a no, a withdrawal, or a decision recorded without an end.'),
        lapsed: z.boolean().describe("The latest decision granted the purpose but validUntil has passed; granted is then false. After the 16th birthday also when the organisation's turning-16 policy ended a guardian's grant."),
        waitingFor: z.array(slot).describe('Joint parental authority and a purpose that needs both guardians: who has still to answer before it can be granted; [] when nobody.'),
        reconfirmationDue: z.boolean().optional().describe('Only for a subject flagged as turning 16: this purpose was given by a guardian and the young person has not decided yet.'),
      }),
    ),
    mayRegister: z.boolean().describe('A required purpose is granted now (granted and not lapsed).'),
    reconfirmationDue: z.boolean().optional().describe('Only for a subject the daily job flagged as turning 16 (absent otherwise): true until the young person decides on their own.'),
  }),
);
export const subjectConsentListSchema = component('SubjectConsentList', z.strictObject({ data: z.array(subjectConsentSchema).describe('One entry per distinct reference, in the order first given.') }));

export const subjectContactSchema = component(
  'SubjectContact',
  z.strictObject({ subjectReference: z.string(), channel: z.enum(['sms', 'email']), maskedAddress: z.string(), eraseBy: instant.describe('Erased at the latest then, if not used before.') }),
);

export const recordVerificationSchema = component(
  'RecordVerification',
  z.strictObject({
    authentic: z.boolean().describe('An unmodified record of this service: its exact bytes are on file and its seal holds.'),
    sha256: z.string(),
    record: z.strictObject({ requestId: z.string(), kind: z.string(), formId: z.string(), formVersion: z.string(), recordedAt: z.string() }).nullable(),
    seal: z.strictObject({
      sealed: z.boolean(),
      intact: z.boolean(),
      byOurKey: z.boolean(),
      signer: z.string().nullable(),
      signedAt: z.string().nullable(),
      timestamped: z.boolean(),
      timestamp: z.strictObject({ time: z.string(), authority: z.strictObject({ name: z.string().nullable(), organization: z.string().nullable(), subject: z.string() }) }).nullable(),
      timestampProblem: z.string().nullable(),
      problem: z.string().nullable(),
    }),
  }),
);

export const webhookEndpointSchema = component(
  'WebhookEndpoint',
  z.strictObject({
    id: z.string().describe('`whe_…`'),
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(z.string()).describe('Event types it receives, or `["*"]` for every type (also types added later).'),
    status: z.enum(['enabled', 'disabled']).describe('`disabled` after 3 days of failed deliveries, until enabled again.'),
    createdAt: instant,
    updatedAt: instant,
    disabledAt: instant.nullable(),
    disabledReason: z.string().nullable().describe('`failing_for_3_days`; null while enabled.'),
    failingSince: instant.nullable().describe('The first failed attempt since the last success; null when not failing.'),
    previousSecretExpiresAt: instant.nullable().describe('After a rotation: until when the previous secret still signs too; null otherwise.'),
  }),
);
export const webhookEndpointWithSecretSchema = component('WebhookEndpointWithSecret', webhookEndpointSchema.extend({ secret: z.string().describe('`whsec_…`: shown this once; reads and lists never show it.') }));
export const webhookEndpointListSchema = component('WebhookEndpointList', z.strictObject({ data: z.array(webhookEndpointSchema), nextCursor: z.string().nullable().describe('Always null: every endpoint fits on one page.') }));

export const webhookDeliverySchema = component(
  'WebhookDelivery',
  z.strictObject({
    id: z.string().describe('`whd_…`'),
    endpointId: z.string(),
    eventId: z.string().describe('The `webhook-id` of every attempt.'),
    eventType: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed']),
    attempts: z.number().int().min(0),
    lastStatusCode: z.number().int().nullable().describe('The receiver’s HTTP status of the last attempt; null when it did not answer (or no attempt yet).'),
    lastError: z.string().nullable(),
    nextAttemptAt: instant.nullable(),
    lastAttemptAt: instant.nullable(),
    createdAt: instant,
    updatedAt: instant,
  }),
);
export const webhookDeliveryListSchema = component('WebhookDeliveryList', z.strictObject({ data: z.array(webhookDeliverySchema).describe('Newest first.'), nextCursor: z.string().nullable() }));

export const webhookEndpointEventSchema = component(
  'WebhookEndpointEvent',
  z.strictObject({
    id: z.string().describe('`whev_…`'),
    type: z.enum(WEBHOOK_ENDPOINT_EVENT_TYPES),
    at: instant,
    actor: z.string().describe('`api:<keyId>`, `staff:<userId>` or `system` (the worker: disabling after 3 days of failures).'),
    detail: z.record(z.string(), z.unknown()).describe('Never a secret: `created` {url, events}, `secret_rotated` {previousSecretExpiresAt}, `disabled` {reason, failingSince}, `deleted` {url}, `enabled` {}.'),
  }),
);
export const webhookEndpointEventListSchema = component('WebhookEndpointEventList', z.strictObject({ data: z.array(webhookEndpointEventSchema).describe('Newest first.'), nextCursor: z.string().nullable() }));

/** An uploaded file in a multipart body (OpenAPI 3.1: a string with a media type). */
const file = (types: string) => z.string().meta({ contentMediaType: 'application/octet-stream', description: types });

/** `POST /consent-requests/{id}/paper`: read by readMultipart, checked by consent/record-paper-consent.ts. */
export const paperConsentForm = z.strictObject({
  file: file('The scan: PDF, JPEG or PNG, at most 10 MiB = 10,485,760 bytes.'),
  decisions: z.string().describe('JSON array of {purposeId, granted}, one for every purpose of the form.'),
  signedBy: z.string().describe('Who signed, 2–100 characters.'),
  signedOn: z.string().describe('YYYY-MM-DD; not in the future, not more than 2 years back, not before the latest decision.'),
});

/** `POST /subjects/{reference}/paper-consents`: the paper fields and the facts a request would have had. */
export const paperSubjectConsentForm = paperConsentForm.extend({
  formId: z.string().min(1).max(64),
  firstName: z.string().describe('At most 100 characters after cleaning.'),
  lastName: z.string().optional(),
  dateOfBirth: z.string().describe('YYYY-MM-DD'),
  language: z.enum(['nl', 'en']).optional(),
});

/** `POST /verify`: the PDF as `file`, or the PDF itself as the body (Content-Type application/pdf). */
export const verifyForm = z.strictObject({ file: file('The PDF to check, at most 20 MiB = 20,971,520 bytes.') });

// A presenter and its schema must describe the same shape: `tsc` fails here when they part ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type ResponseSchemasMatchPresenters = [
  Holds<Same<z.output<typeof consentRequestSchema>, ConsentRequestView>>,
  Holds<Same<z.output<typeof formSchema>, FormView>>,
  Holds<Same<z.output<typeof consentDocumentSchema>, ConsentDocumentView>>,
  Holds<Same<z.output<typeof subjectConsentSchema>, SubjectConsent>>,
  Holds<Same<z.output<typeof subjectContactSchema>, SubjectContactView>>,
  Holds<Same<z.output<typeof recordVerificationSchema>, RecordVerification>>,
  Holds<Same<z.output<typeof webhookEndpointSchema>, WebhookEndpointView>>,
  Holds<Same<z.output<typeof webhookEndpointWithSecretSchema>, WebhookEndpointWithSecret>>,
  Holds<Same<z.output<typeof webhookDeliverySchema>, WebhookDeliveryView>>,
  Holds<Same<z.output<typeof webhookEndpointEventSchema>, WebhookEndpointEventView>>,
];
