import { z } from 'zod';

import { API_ROUTES, API_TAGS, problem, type ApiResponse, type ApiRoute } from './api-routes';
import { apiComponents } from './api-schemas';

/**
 * The machine-readable contract (`GET /api/v1/openapi.json`, OpenAPI 3.1), generated from the
 * route table (api-routes.ts), the zod schemas the routes validate requests with (as their input
 * side: what a caller may send) and the response schemas (api-schemas.ts). `/docs` renders the
 * same document (docs-page.ts).
 */
export type JsonSchema = { [keyword: string]: unknown };

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
  example?: string;
}

export interface OpenApiResponse {
  description: string;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
  content?: Record<string, { schema: JsonSchema }>;
}

export interface OpenApiOperation {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  security?: Record<string, string[]>[];
  /** A read-only API key (status lookups only) may call this too. */
  'x-read-only-key'?: boolean;
  parameters?: OpenApiParameter[];
  requestBody?: { required: true; content: Record<string, { schema: JsonSchema; example?: unknown }> };
  responses: Record<string, OpenApiResponse>;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  security: Record<string, string[]>[];
  tags: { name: string }[];
  paths: Record<string, Partial<Record<ApiRoute['method'], OpenApiOperation>>>;
  components: { securitySchemes: Record<string, object>; schemas: Record<string, JsonSchema> };
}

/** Where the named schemas live in the document. */
export const COMPONENTS = '#/components/schemas/';
const ref = (id: string): JsonSchema => ({ $ref: COMPONENTS + id });

/** Example values for path parameters, used in `/docs`' curl lines. */
const PARAM_EXAMPLES: Record<string, string> = { id: 'cr_…', reference: 'REG-1042', formId: 'activiteit-onder-16', documentId: 'doc_…', deliveryId: 'whd_…' };
const paramExample = (path: string, name: string): string | undefined => (name === 'id' && path.startsWith('/api/v1/webhook-endpoints/') ? 'whe_…' : PARAM_EXAMPLES[name]);

const INFO_DESCRIPTION = [
  'Digital consent forms for youth and community work. The readable reference is /docs on the same host; README.md has the full guide.',
  'Auth: `Authorization: Bearer <api key>`; a key sees only its own organisation (another organisation’s id answers 404). A read-only key may only read consent status.',
  'Errors are RFC 9457 `application/problem+json` with a stable `code`; `errors` names each invalid field as `{path, message}`.',
  'POSTs that create something accept `Idempotency-Key`: the same key with the same body returns the first answer; with another body, 422.',
  'Rate limits per key: over the limit answers 429 with `Retry-After`; every answer carries `RateLimit` and `RateLimit-Policy`.',
].join('\n\n');

/** zod's output for a registry is a set of stand-alone documents: in OpenAPI they are parts of one. */
function withoutDocumentKeywords(schemas: Record<string, JsonSchema>): Record<string, JsonSchema> {
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]));
}

/** The request bodies of the routes, under their own names: what a caller may send (zod's input side). */
function requestSchemas(routes: readonly ApiRoute[]): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const route of routes) {
    for (const schema of Object.values(route.body?.content ?? {})) {
      if (schema && !registry.has(schema)) registry.add(schema, { id: route.body!.id });
    }
  }
  const converted = z.toJSONSchema(registry, { io: 'input', uri: (id) => COMPONENTS + id }) as { schemas: Record<string, JsonSchema> };
  return withoutDocumentKeywords(converted.schemas);
}

function parametersOf(route: ApiRoute): OpenApiParameter[] {
  const fromSchema = (where: 'path' | 'query', schema: z.ZodObject | undefined): OpenApiParameter[] => {
    if (!schema) return [];
    const json = z.toJSONSchema(schema, { io: 'input' }) as { properties?: Record<string, JsonSchema>; required?: string[] };
    return Object.entries(json.properties ?? {}).map(([name, { description, ...property }]) => ({
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: property,
      ...(where === 'path' && paramExample(route.path, name) ? { example: paramExample(route.path, name) } : {}),
    }));
  };
  const idempotency: OpenApiParameter[] = route.idempotent
    ? [{ name: 'Idempotency-Key', in: 'header', required: false, description: 'The same key with the same body returns the first answer; with another body, 422. Kept 24 hours.', schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' } }]
    : [];
  return [...fromSchema('path', route.params), ...fromSchema('query', route.query), ...idempotency];
}

function responseOf(response: ApiResponse): OpenApiResponse {
  const headers = response.headers && Object.fromEntries(Object.entries(response.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }]));
  let content: OpenApiResponse['content'];
  if (response.schema === 'problem') content = { 'application/problem+json': { schema: ref('Problem') } };
  else if (response.schema) {
    const id = apiComponents.get(response.schema)?.id;
    if (!id) throw new Error(`api-routes.ts: a response schema is not a component of api-schemas.ts (${response.description})`);
    content = { 'application/json': { schema: ref(id) } };
  } else if (response.contentType) content = { [response.contentType]: { schema: {} } };
  return { description: response.description, ...(headers ? { headers } : {}), ...(content ? { content } : {}) };
}

/** The answers any route can give besides its own: auth, the read-only key, rate limits, a busy store. */
function commonResponses(route: ApiRoute): Record<number, ApiResponse> {
  if (route.auth === 'none') return {};
  const answers: Record<number, ApiResponse> = {};
  if (route.body?.content['application/json']) {
    answers[400] = problem('The body is not valid JSON.');
    answers[413] = problem('The JSON body is larger than 100 KiB (102,400 bytes).');
  }
  answers[401] = problem('Missing or invalid API key.');
  if (route.auth === 'apiKey') answers[403] = problem('A read-only API key may only read consent status.');
  answers[429] = { ...problem('Rate limited; see `Retry-After`.'), headers: { 'Retry-After': 'Seconds to wait.' } };
  answers[503] = { ...problem('The store is busy; retry in a moment.'), headers: { 'Retry-After': 'Seconds to wait.' } };
  return answers;
}

function operationOf(route: ApiRoute): OpenApiOperation {
  const parameters = parametersOf(route);
  const responses = { ...route.responses, ...commonResponses(route) };
  const body = route.body;
  return {
    operationId: route.operationId,
    tags: [API_TAGS[route.tag]],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(route.auth === 'none' ? { security: [] } : {}),
    ...(route.auth === 'statusKey' ? { 'x-read-only-key': true } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(body
      ? {
          requestBody: {
            required: true as const,
            content: Object.fromEntries(
              Object.entries(body.content).map(([type, schema]) => [type, { schema: schema ? ref(body.id) : { type: 'string', contentMediaType: type }, ...(body.example !== undefined && type === 'application/json' ? { example: body.example } : {}) }]),
            ),
          },
        }
      : {}),
    responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b)).map(([status, response]) => [status, responseOf(response)])),
  };
}

export function buildOpenApi(serverUrl: string, routes: readonly ApiRoute[] = API_ROUTES): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const item = (paths[route.path] ??= {});
    if (item[route.method]) throw new Error(`api-routes.ts: ${route.method.toUpperCase()} ${route.path} is listed twice`);
    item[route.method] = operationOf(route);
  }
  const responses = z.toJSONSchema(apiComponents, { io: 'output', uri: (id) => COMPONENTS + id }) as { schemas: Record<string, JsonSchema> };
  const requests = requestSchemas(routes);
  const clash = Object.keys(requests).find((id) => id in responses.schemas);
  if (clash) throw new Error(`api-routes.ts: the body name ${clash} is also a response schema`);
  return {
    openapi: '3.1.0',
    info: { title: 'Akkoord API', version: '1.0.0', description: INFO_DESCRIPTION },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    tags: Object.values(API_TAGS).map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key: `npm run akkoord -- api-key create --name <label>` or the staff dashboard.' } },
      schemas: { ...withoutDocumentKeywords(responses.schemas), ...requests },
    },
  };
}
