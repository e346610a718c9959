import type { RequestHandler } from 'express';

import { COMPONENTS, type JsonSchema, type OpenApiDocument, type OpenApiOperation, type OpenApiParameter } from './openapi';
import type { Views } from './views';

/**
 * `/docs`: the API reference as one server-rendered page (templates/pages/api-docs.hbs), made from
 * the same OpenAPI document as `/api/v1/openapi.json`. No script, no external assets: it works
 * without JavaScript, under the page CSP, and offline. English (a page for integrators).
 */
/** Text with `code` spans, as the template writes it: plain and code parts in turn. */
export type DocText = { text: string; code: boolean }[];
const docText = (text: string): DocText =>
  text
    .split('`')
    .map((part, i) => ({ text: part, code: i % 2 === 1 }))
    .filter((part) => part.text !== '');

export interface DocField {
  name: string;
  type: string;
  typeLink: string | null;
  required: boolean;
  limits: DocText;
  description: DocText;
}

interface DocOperation {
  anchor: string;
  method: string;
  path: string;
  summary: DocText;
  description: DocText;
  auth: string;
  parameters: DocField[];
  body: { contentTypes: string; schemaName: string; fields: DocField[] } | null;
  responses: { status: string; kind: 'ok' | 'problem'; description: DocText; contentType: string; schemaName: string | null; headers: string }[];
  curl: string;
}

export interface DocsModel {
  lang: 'en';
  title: string;
  version: string;
  description: DocText[];
  serverUrl: string;
  tags: { name: string; anchor: string; operations: DocOperation[] }[];
  schemas: { name: string; anchor: string; description: DocText; fields: DocField[] }[];
}

// zod writes the safe-integer range on every integer; it says nothing to a reader.
const SAFE = Number.MAX_SAFE_INTEGER;
const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const refName = (schema: JsonSchema): string | null => (typeof schema.$ref === 'string' && schema.$ref.startsWith(COMPONENTS) ? schema.$ref.slice(COMPONENTS.length) : null);

/** What a value is, in a few words, and the schema section it links to. */
function typeOf(schema: JsonSchema): { text: string; link: string | null } {
  const name = refName(schema);
  if (name) return { text: name, link: `#schema-${name}` };
  const anyOf = schema.anyOf as JsonSchema[] | undefined;
  if (anyOf) {
    const parts = anyOf.map(typeOf);
    return { text: parts.map((p) => p.text).join(' or '), link: parts.find((p) => p.link)?.link ?? null };
  }
  if (Array.isArray(schema.enum)) return { text: schema.enum.map((v) => JSON.stringify(v)).join(' | '), link: null };
  if (schema.type === 'array') {
    const items = typeOf((schema.items as JsonSchema | undefined) ?? {});
    return { text: `array of ${items.text}`, link: items.link };
  }
  if (typeof schema.contentMediaType === 'string') return { text: 'file', link: null };
  if (schema.type === 'string' && typeof schema.format === 'string') return { text: `string (${schema.format})`, link: null };
  if (Array.isArray(schema.type)) return { text: schema.type.join(' or '), link: null };
  return { text: typeof schema.type === 'string' ? schema.type : 'any', link: null };
}

function limitsOf(schema: JsonSchema): string {
  const range = (min: unknown, max: unknown, unit: string): string | null => {
    const lo = typeof min === 'number' && Math.abs(min) < SAFE ? min : null;
    const hi = typeof max === 'number' && Math.abs(max) < SAFE ? max : null;
    if (lo === null && hi === null) return null;
    if (lo !== null && hi !== null) return lo === hi ? `${unit}${lo}` : `${unit}${lo}–${hi}`;
    return lo !== null ? `${unit}≥ ${lo}` : `${unit}≤ ${hi}`;
  };
  const parts = [
    range(schema.minLength, schema.maxLength, 'length '),
    range(schema.minimum, schema.maximum, ''),
    range(schema.minItems, schema.maxItems, 'items '),
    typeof schema.pattern === 'string' && schema.format === undefined ? `pattern \`${schema.pattern}\`` : null,
    schema.default !== undefined ? `default ${JSON.stringify(schema.default)}` : null,
    typeof schema.items === 'object' && schema.items !== null ? limitsOf(schema.items as JsonSchema) || null : null,
  ];
  return parts.filter((p): p is string => p !== null).join('; ');
}

/** The fields of an object schema, nested objects as `parent.child` and arrays of objects as `list[].child`. */
export function fieldsOf(schema: JsonSchema, prefix = ''): DocField[] {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).flatMap(([key, property]) => {
    const name = prefix + key;
    const type = typeOf(property);
    const field: DocField = { name, type: type.text, typeLink: type.link, required: required.has(key), limits: docText(limitsOf(property)), description: docText(typeof property.description === 'string' ? property.description : '') };
    const items = property.items as JsonSchema | undefined;
    if (property.properties) return [{ ...field, type: 'object' }, ...fieldsOf(property, `${name}.`)];
    if (items?.properties) return [{ ...field, type: 'array of objects' }, ...fieldsOf(items, `${name}[].`)];
    return [field];
  });
}

const parameterField = (p: OpenApiParameter): DocField => {
  const type = typeOf(p.schema);
  return { name: `${p.name} (${p.in})`, type: type.text, typeLink: type.link, required: p.required, limits: docText(limitsOf(p.schema)), description: docText(p.description ?? '') };
};

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

function curlOf(serverUrl: string, method: string, path: string, operation: OpenApiOperation, schemas: Record<string, JsonSchema>): string {
  const params = operation.parameters ?? [];
  const url = serverUrl.replace(/\/$/, '') + path.replace(/\{(\w+)\}/g, (_m, name: string) => params.find((p) => p.name === name)?.example ?? name);
  const query = params.filter((p) => p.in === 'query' && p.name === 'limit').map((p) => `?${p.name}=${String(p.schema.default ?? 1)}`).join('');
  const lines = [`curl${method === 'get' ? '' : ` -X ${method.toUpperCase()}`} ${shellQuote(url + query)}`];
  if (operation.security?.length !== 0) lines.push('-H "Authorization: Bearer $AKKOORD_API_KEY"');
  if (params.some((p) => p.name === 'Idempotency-Key')) lines.push(`-H 'Idempotency-Key: 7f9c2e4a-create-1'`);
  const content = operation.requestBody?.content ?? {};
  const json = content['application/json'];
  const form = content['multipart/form-data'];
  if (json) lines.push(`-H 'Content-Type: application/json'`, `-d ${shellQuote(JSON.stringify(json.example ?? {}))}`);
  else if (form) {
    const name = refName(form.schema);
    const properties = (name ? (schemas[name]?.properties ?? {}) : {}) as Record<string, JsonSchema>;
    for (const [field, property] of Object.entries(properties)) lines.push(typeof property.contentMediaType === 'string' ? `-F '${field}=@scan.pdf'` : `-F ${shellQuote(`${field}=…`)}`);
  }
  if (Object.values(operation.responses).some((r) => r.content?.['application/pdf'])) lines.push('-o record.pdf');
  return lines.join(' \\\n  ');
}

function operationOf(doc: OpenApiDocument, method: string, path: string, operation: OpenApiOperation): DocOperation {
  const schemas = doc.components.schemas;
  const content = operation.requestBody?.content ?? {};
  const bodyRef = Object.values(content).map((c) => refName(c.schema)).find((n) => n !== null) ?? null;
  return {
    anchor: operation.operationId,
    method: method.toUpperCase(),
    path,
    summary: docText(operation.summary),
    description: docText(operation.description ?? ''),
    auth: operation.security?.length === 0 ? 'None (public)' : operation['x-read-only-key'] ? 'API key; a read-only (status) key is enough' : 'API key (not a read-only key)',
    parameters: (operation.parameters ?? []).map(parameterField),
    body: operation.requestBody ? { contentTypes: Object.keys(content).join(' or '), schemaName: bodyRef ?? '', fields: bodyRef ? fieldsOf(schemas[bodyRef] ?? {}) : [] } : null,
    responses: Object.entries(operation.responses).map(([status, response]) => {
      const [type, media] = Object.entries(response.content ?? {})[0] ?? ['', undefined];
      return { status, kind: status.startsWith('2') ? 'ok' : 'problem', description: docText(response.description), contentType: type, schemaName: media ? refName(media.schema) : null, headers: Object.keys(response.headers ?? {}).join(', ') };
    }),
    curl: curlOf(doc.servers[0]?.url ?? '', method, path, operation, schemas),
  };
}

export function docsModel(doc: OpenApiDocument): DocsModel {
  const tags = doc.tags.map(({ name }) => ({ name, anchor: `tag-${slug(name)}`, operations: [] as DocOperation[] }));
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!operation) continue;
      tags.find((t) => t.name === operation.tags[0])?.operations.push(operationOf(doc, method, path, operation));
    }
  }
  return {
    lang: 'en',
    title: doc.info.title,
    version: doc.info.version,
    description: doc.info.description.split('\n\n').map(docText),
    serverUrl: doc.servers[0]?.url ?? '',
    tags: tags.filter((t) => t.operations.length > 0),
    schemas: Object.entries(doc.components.schemas).map(([name, schema]) => ({ name, anchor: `schema-${name}`, description: docText(typeof schema.description === 'string' ? schema.description : ''), fields: fieldsOf(schema) })),
  };
}

/**
 * Rendered on the first request and kept: the document does not change while the process runs,
 * and a process (or a test) that never shows /docs does not pay for the render (about 0.3 s cold).
 */
export function apiDocsPage(views: Views, document: () => OpenApiDocument): RequestHandler {
  let html: string | undefined;
  return (_req, res) => {
    html ??= views.render('api-docs', docsModel(document()));
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type('html').send(html);
  };
}
