/** `npm run api-types`: rewrites the console's API types from the hub's OpenAPI document. */
import { writeFile } from 'node:fs/promises';
import { API_TYPES_PATH, renderApiTypes } from './api-types';

renderApiTypes().then(
  async (source) => {
    await writeFile(API_TYPES_PATH, source);
    process.stdout.write(`wrote ${API_TYPES_PATH}\n`);
  },
  (error: unknown) => {
    process.stderr.write(`api types failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
