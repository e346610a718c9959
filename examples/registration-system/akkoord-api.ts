/**
 * The few Akkoord API calls a registration system needs, over plain HTTP (Node's built-in fetch).
 * Nothing here is Akkoord code: copy it and adapt it to your own HTTP client and error handling.
 *
 * Every call sends `Authorization: Bearer <api key>`. Errors come back as RFC 9457
 * `application/problem+json` with `errors: [{path, message}]` naming the fields; `AkkoordError`
 * keeps them so you can show them next to your own form fields.
 */

/** What `GET /api/v1/consent-requests/{id}` and the webhook's `data` carry (the fields this example reads). */
export interface ConsentRequest {
  id: string;
  formId: string;
  status: string;
  subject: { reference: string };
  [field: string]: unknown;
}

/** `GET /api/v1/subjects/{reference}/consent`: the current answer per purpose, and whether the person may be registered. */
export interface SubjectConsent {
  subjectReference: string;
  purposes: { formId: string; purposeId: string; granted: boolean; since: string; requestId: string; validUntil?: string | null; lapsed?: boolean }[];
  mayRegister: boolean;
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  /** `disabled` after every attempt failed for 3 days; it gets no deliveries until enabled again. */
  status: 'enabled' | 'disabled';
}

/** The body to create a consent request: a form and a person, by your own reference. */
export interface ConsentRequestBody {
  formId: string;
  subject: { reference: string; firstName: string; lastName?: string; dateOfBirth: string };
  recipient: { name?: string; channel: 'email' | 'sms'; email?: string; phone?: string; language?: 'nl' | 'en' };
}

export class AkkoordError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    readonly errors: { path: string; message: string }[],
    message: string,
  ) {
    super(message);
    this.name = 'AkkoordError';
  }
}

export class AkkoordApi {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  /** Registers a URL for webhooks. The answer's `secret` (`whsec_…`) is shown only this once: keep it. */
  createWebhookEndpoint(url: string, events: string[]): Promise<WebhookEndpoint & { secret: string }> {
    return this.call('POST', '/api/v1/webhook-endpoints', { url, events });
  }

  async listWebhookEndpoints(): Promise<WebhookEndpoint[]> {
    const page = await this.call<{ data: WebhookEndpoint[] }>('GET', '/api/v1/webhook-endpoints');
    return page.data;
  }

  /** Switches a disabled endpoint back on (it was disabled after failing for 3 days). */
  async enableWebhookEndpoint(id: string): Promise<void> {
    await this.call('POST', `/api/v1/webhook-endpoints/${encodeURIComponent(id)}/enable`);
  }

  async deleteWebhookEndpoint(id: string): Promise<void> {
    await this.call('DELETE', `/api/v1/webhook-endpoints/${encodeURIComponent(id)}`);
  }

  /**
   * Asks for consent. The `Idempotency-Key` makes a retry safe: the same key and body within
   * 24 hours answer the first request again (`replayed: true`) instead of sending a second link.
   */
  async createConsentRequest(body: ConsentRequestBody, idempotencyKey: string): Promise<{ request: ConsentRequest; replayed: boolean }> {
    const res = await this.send('POST', '/api/v1/consent-requests', body, { 'Idempotency-Key': idempotencyKey });
    return { request: (await res.json()) as ConsentRequest, replayed: res.headers.get('idempotent-replayed') === 'true' };
  }

  getSubjectConsent(reference: string): Promise<SubjectConsent> {
    return this.call('GET', `/api/v1/subjects/${encodeURIComponent(reference)}/consent`);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  private async send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: { Authorization: `Bearer ${this.apiKey}`, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      // A webhook is a nudge, the API is the truth: never wait forever for it.
      signal: AbortSignal.timeout(10_000),
    });
    if (res.ok) return res;
    const problem = (await res.json().catch(() => ({}))) as { title?: string; detail?: string; code?: string; errors?: { path: string; message: string }[] };
    const fields = (problem.errors ?? []).map((e) => `${e.path}: ${e.message}`).join('; ');
    throw new AkkoordError(res.status, problem.code, problem.errors ?? [], `${method} ${path} answered ${res.status} ${problem.title ?? ''}${problem.detail ? ` (${problem.detail})` : ''}${fields ? ` [${fields}]` : ''}`);
  }
}
