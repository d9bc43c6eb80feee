/**
 * Fuzzing dataset uploads through a real hub: any body and any `?kinds=` gives 201/200 with a
 * parsed dataset, or 400/413 with a dataset error code and details saying where; never a 5xx,
 * and a refused upload stores nothing (no dataset, no file). Fixed seed, bounded runs.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import type { Hub } from '../../src/index';
import { DATASET_ERROR_CODES } from '../../src/core/datasets/dataset-error';
import { api, useTestHub, type TempDir } from '../support';
import { fuzz, hostileBytes } from '../../../test/support/fuzz';
import { filesUnder } from './support';

interface Reply {
  id?: string;
  rows?: number;
  error?: { code: string; message: string; details?: unknown };
}

const csvish = (): fc.Arbitrary<Uint8Array> =>
  fc
    .array(fc.constantFrom('a', 'b', ',', ',', '\n', '\n', '"', '1', '2.5', 'NA', ' ', 'é', '\r\n', 'x'.repeat(300)), { maxLength: 80 })
    .map((parts) => new TextEncoder().encode(`a,b\n${parts.join('')}`));

const kinds = (): fc.Arbitrary<string | undefined> =>
  fc.option(
    fc.oneof(
      fc.constantFrom('{"a":"numeric"}', '{"b":"categorical"}', '{"zz":"numeric"}', '{"a":"text"}', 'not json', '[]', '{"a":1}'),
      fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
    ),
    { nil: undefined },
  );

describe('fuzzing dataset uploads through a real hub', () => {
  let dir: TempDir;
  let hub: Hub;
  useTestHub((started) => ({ hub, dir } = started));

  it('any body and kinds: a dataset, or a 400/413 naming where, and a refusal stores nothing', async () => {
    await fuzz(
      fc.asyncProperty(fc.oneof(csvish(), hostileBytes()), kinds(), async (bytes, kindsText) => {
        const before = await filesUnder(join(dir.path, 'datasets'));
        const query = kindsText === undefined ? '' : `&kinds=${encodeURIComponent(kindsText)}`;
        const reply = await api<Reply>(hub, 'POST', `/api/v1/datasets?name=fuzz${query}`, { bytes });
        expect(reply.status, JSON.stringify(reply.body)).toBeLessThan(500);
        if (reply.status === 201 || reply.status === 200) {
          expect(reply.body.id).toMatch(/^[0-9a-f]{64}$/);
          expect(reply.body.rows).toBeGreaterThan(0);
          return;
        }
        expect([400, 413]).toContain(reply.status);
        const code = reply.body.error?.code ?? '';
        // the dataset family, or the route's own validation of name, body and kinds
        expect([...DATASET_ERROR_CODES, 'E_VALIDATION']).toContain(code);
        expect(reply.body.error?.message.length).toBeGreaterThan(0);
        expect(await filesUnder(join(dir.path, 'datasets'))).toEqual(before);
      }),
      { numRuns: 60 },
    );
  }, 240_000);
});
