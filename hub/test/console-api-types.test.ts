/** The console's API types are the OpenAPI document's: the committed file is what the document generates now. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { API_TYPES_PATH, renderApiTypes } from '../src/console/api-types';

describe('console API types', () => {
  it('match GET /api/v1/openapi.json (run `npm run api-types` after changing a route)', async () => {
    expect(await readFile(API_TYPES_PATH, 'utf8')).toBe(await renderApiTypes());
  });
});
