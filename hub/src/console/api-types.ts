/**
 * The console's API types, generated from the hub's own OpenAPI document by openapi-typescript, so
 * the pages never hand-keep a response shape: change a route's zod schema and the console stops
 * type-checking until `npm run api-types` regenerates hub/console/src/api/schema.d.ts (a test
 * fails while the committed file differs from what the document generates).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { openApiDocument } from '../http/app';

export const API_TYPES_PATH = join(fileURLToPath(new URL('../../', import.meta.url)), 'console', 'src', 'api', 'schema.d.ts');

const HEADER = '/** Generated from GET /api/v1/openapi.json by `npm run api-types` (hub/src/console/api-types.ts). Do not edit. */\n';

export async function renderApiTypes(): Promise<string> {
  const ast = await openapiTS(JSON.stringify(openApiDocument()), { alphabetize: false });
  return HEADER + astToString(ast);
}
