import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import type { Response } from 'supertest';

import type { ApiRoute } from '../../src/http/api-routes';
import type { JsonSchema, OpenApiDocument } from '../../src/http/openapi';

type Method = ApiRoute['method'];

/**
 * Checks real answers against the OpenAPI document: the status is documented for the route, the
 * content type is the documented one, every documented header is there, and a JSON body validates against its schema (JSON Schema
 * 2020-12, formats checked; response objects forbid unknown properties, so an undocumented field
 * fails). It remembers which route answered which status, so a test can ask what it never saw.
 */
export function openApiMatcher(doc: OpenApiDocument) {
  const base = 'https://akkoord.test/openapi.json';
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: base, components: doc.components });
  const compiled = new Map<string, ValidateFunction>();
  const seen = new Set<string>();

  const validatorFor = (schema: JsonSchema): ValidateFunction => {
    const key = JSON.stringify(schema);
    let validate = compiled.get(key);
    if (!validate) {
      const ref = schema.$ref;
      validate = ajv.compile(typeof ref === 'string' && ref.startsWith('#/') ? { $ref: base + ref } : schema);
      compiled.set(key, validate);
    }
    return validate;
  };

  return {
    /** Throws (failing the test) with what differs; `path` is the documented template, e.g. `/api/v1/forms/{formId}`. */
    check(res: Response, method: Method, path: string): void {
      const where = `${method.toUpperCase()} ${path} → ${res.status}`;
      const operation = doc.paths[path]?.[method];
      if (!operation) throw new Error(`${where}: the route is not in the document`);
      const documented = operation.responses[String(res.status)];
      if (!documented) throw new Error(`${where}: status not documented (documented: ${Object.keys(operation.responses).join(', ')}); body: ${res.text?.slice(0, 300)}`);
      seen.add(`${method} ${path} ${res.status}`);
      const missingHeaders = Object.keys(documented.headers ?? {}).filter((name) => res.headers[name.toLowerCase()] === undefined);
      if (missingHeaders.length > 0) throw new Error(`${where}: documented headers missing: ${missingHeaders.join(', ')}`);
      const content = documented.content;
      if (!content) {
        if (res.text) throw new Error(`${where}: documented without a body, but the answer has one`);
        return;
      }
      const type = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
      const media = content[type];
      if (!media) throw new Error(`${where}: content type ${type} is not documented (${Object.keys(content).join(', ')})`);
      if (!type.endsWith('json')) return;
      const body: unknown = JSON.parse(res.text);
      const validate = validatorFor(media.schema);
      if (!validate(body)) throw new Error(`${where}: the body does not match its schema:\n${ajv.errorsText(validate.errors, { separator: '\n' })}\n${JSON.stringify(body).slice(0, 600)}`);
    },
    /** Documented operations that never answered with a 2xx status through check(). */
    successesNotSeen(): string[] {
      const missing: string[] = [];
      for (const [path, item] of Object.entries(doc.paths)) {
        for (const [method, operation] of Object.entries(item)) {
          const successes = Object.keys(operation!.responses).filter((s) => s.startsWith('2'));
          if (!successes.some((s) => seen.has(`${method} ${path} ${s}`))) missing.push(`${method.toUpperCase()} ${path}`);
        }
      }
      return missing;
    },
  };
}

interface RouterLayer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: RouterLayer[] };
}

/**
 * The routes the Express app really has under `prefix`, as `METHOD /path/{param}`: walks the
 * router stacks (mounted routers included), the same table requests are matched against.
 */
export function expressRoutes(app: { router: unknown }, prefix = '/api/v1'): string[] {
  const found = new Set<string>();
  const join = (a: string, b: string) => (b === '/' ? a : a + b);
  const walk = (stack: RouterLayer[], mount: string) => {
    for (const layer of stack) {
      if (layer.route) {
        if (typeof layer.route.path !== 'string') throw new Error(`a route with a non-string path under ${mount}`);
        const path = join(mount, layer.route.path).replace(/\/$/, '').replace(/:(\w+)/g, '{$1}');
        for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') found.add(`${method.toUpperCase()} ${path}`);
      } else if (layer.handle?.stack) {
        if (typeof layer.rawPath !== 'string') throw new Error(`a router mounted on a non-string path under ${mount}`);
        walk(layer.handle.stack, join(mount, layer.rawPath));
      }
    }
  };
  walk((app.router as { stack: RouterLayer[] }).stack, '');
  return [...found].filter((r) => r.split(' ')[1]!.startsWith(prefix)).sort();
}

/** The operations of the document, as `METHOD /path/{param}`. */
export function documentedRoutes(doc: OpenApiDocument): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}
