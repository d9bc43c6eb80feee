/**
 * A large dataset upload while the dataset workers and their queue are full is refused before
 * its body is read: 503 with Retry-After as soon as the headers say it is over the inline-parse
 * size, not after up to 64 MiB were streamed, hashed and written to be thrown away.
 */
import { describe, expect, it } from 'vitest';
import { request, type IncomingMessage } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hub } from '../src/index';
import { INLINE_PARSE_BYTES } from '../src/services/datasets/datasets';
import { DATASET_WORKER_LIMITS, datasetWorkerSlots } from '../src/services/datasets/dataset-workers';
import { useTestHub, type TempDir } from './support';

describe('dataset uploads while the workers are full', () => {
  let hub: Hub;
  let dir: TempDir;
  useTestHub((started) => ({ hub, dir } = started));

  it('answers 503 with Retry-After before reading a large body', async () => {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const holders = Array.from({ length: DATASET_WORKER_LIMITS.concurrency + DATASET_WORKER_LIMITS.maxWaiting }, () => datasetWorkerSlots.tryRun(() => held));
    const url = new URL('/api/v1/datasets?name=early', hub.httpUrl);
    const upload = request(url, { method: 'POST', headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'text/csv', 'content-length': String(INLINE_PARSE_BYTES * 8) } });
    upload.on('error', () => undefined); // the hub closes the connection after answering
    try {
      expect(holders.every((h) => h !== null)).toBe(true);
      // The headers and one line; the other 8 MiB never come.
      upload.write('a,b\n1,2\n');
      let timer: NodeJS.Timeout | undefined;
      const answer = await Promise.race([
        new Promise<IncomingMessage>((resolve) => upload.once('response', resolve)),
        new Promise<'no answer'>((resolve) => (timer = setTimeout(() => resolve('no answer'), 10_000))),
      ]);
      clearTimeout(timer);
      if (answer === 'no answer') throw new Error('the hub did not answer before the body was complete');
      expect(answer.statusCode).toBe(503);
      expect(answer.headers['retry-after']).toBe(String(DATASET_WORKER_LIMITS.retryAfterS));
      const body = await new Promise<string>((resolve) => {
        let text = '';
        answer.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(text));
      });
      expect(JSON.parse(body)).toMatchObject({ error: { code: 'E_UNAVAILABLE', details: { retryAfterS: DATASET_WORKER_LIMITS.retryAfterS } } });
      expect(await readdir(join(dir.path, 'tmp'))).toEqual([]);
    } finally {
      upload.destroy();
      release();
      await Promise.all(holders);
    }
  }, 30_000);
});
