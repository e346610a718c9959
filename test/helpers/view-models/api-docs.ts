import { docsModel } from '../../../src/http/docs-page';
import { buildOpenApi } from '../../../src/http/openapi';

/** Test model of `/docs` (issue 13, docs-page.ts): the page for the service's own document (English only). */
export const models: Record<string, () => object[]> = {
  'api-docs': () => [docsModel(buildOpenApi('http://localhost:3000'))],
};
