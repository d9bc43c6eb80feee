/**
 * Issue 16 item 3: CSV limits apply while the file streams, not after it is parsed whole. 60 MB of
 * commas cost the hub 1.84 GB and 53 s before its 413; now a dataset worker capped at 64 MiB of
 * heap refuses it after its first megabyte. Long lines, cells and column names are refused with
 * 413 naming the row, the column and the limit; summaries keep categories short; large parses
 * queue behind a bounded number of workers and are refused with 503 and Retry-After past it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hub } from '../src/index';
import { DatasetError } from '../src/core/datasets/dataset-error';
import { parseCsv } from '../src/core/datasets/parse-csv';
import { WorkSlots } from '../src/core/datasets/work-slots';
import { DATASET_WORKER_LIMITS, datasetWorkerSlots, runDatasetWorker } from '../src/services/datasets/dataset-workers';
import { api, makeTempDir, testHub, type TempDir } from './support';

interface ErrorReply {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A numeric and categorical table of `rows` rows with a unique id column: about 33 bytes a row. */
function legitCsv(rows: number): string {
  const lines = ['x1,x2,x3,label,id'];
  for (let i = 0; i < rows; i++) lines.push(`${(i * 0.37).toFixed(3)},${i % 97},${(i * 1.1).toFixed(2)},${['a', 'b', 'c'][i % 3]},id${i}`);
  return lines.join('\n');
}

describe('dataset limits while streaming', () => {
  let hub: Hub;
  let dir: TempDir;
  let files: TempDir;
  let commas = '';

  beforeAll(async () => {
    dir = await makeTempDir();
    files = await makeTempDir();
    hub = await testHub(dir.path);
    // 60 MiB of commas: one header line of 63 million empty column names.
    commas = join(files.path, 'commas.csv');
    const handle = await open(commas, 'w');
    const block = new Uint8Array(1024 * 1024).fill(0x2c);
    for (let i = 0; i < 60; i++) await handle.write(block);
    await handle.close();
  });

  afterAll(async () => {
    await hub?.close();
    await dir?.remove();
    await files?.remove();
  });

  const datasets = async (): Promise<unknown[]> => (await api<{ datasets: unknown[] }>(hub, 'GET', '/api/v1/datasets')).body.datasets;
  const stored = async (): Promise<string[]> => [...(await readdir(join(dir.path, 'datasets'))), ...(await readdir(join(dir.path, 'tmp')))];

  it('60 MB of commas: refused E_TOO_MANY_COLUMNS by a dataset worker capped at 64 MiB of heap', async () => {
    const result = await runDatasetWorker({ path: commas }, 64);
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ code: 'E_TOO_MANY_COLUMNS', details: { columns: 'more than 1000', limit: 1000 } }) });
  }, 60_000);

  it('a real 4 MB table parses within the same 64 MiB; a heap too small for it is 413 E_TOO_LARGE, not a crash', async () => {
    const path = join(files.path, 'legit.csv');
    await writeFile(path, legitCsv(120_000));
    const parsed = await runDatasetWorker({ path }, 64);
    expect(parsed.ok && parsed.rows).toBe(120_000);
    expect(parsed.ok && parsed.columns).toEqual([
      { name: 'x1', kind: 'numeric' },
      { name: 'x2', kind: 'numeric' },
      { name: 'x3', kind: 'numeric' },
      { name: 'label', kind: 'categorical' },
      { name: 'id', kind: 'categorical' },
    ]);
    await expect(runDatasetWorker({ path }, 16)).rejects.toMatchObject({ code: 'E_TOO_LARGE', details: { limitMb: 16 } });
  }, 120_000);

  it('the 60 MB upload is a 413 naming the limit, and leaves nothing behind', async () => {
    const before = await datasets();
    const handle = await open(commas, 'r');
    const bytes = new Uint8Array(await handle.readFile());
    await handle.close();
    const reply = await api<ErrorReply>(hub, 'POST', '/api/v1/datasets?name=commas', { bytes });
    expect(reply.status).toBe(413);
    expect(reply.body.error).toMatchObject({ code: 'E_TOO_MANY_COLUMNS', details: { limit: 1000 } });
    expect(await datasets()).toEqual(before);
    expect(await stored()).toEqual([]);
  }, 120_000);

  it('refuses a line without an end, a long cell and a long column name with 413 naming row, column and limit', async () => {
    const cases: Array<{ name: string; csv: string; code: string; details: Record<string, unknown> }> = [
      { name: 'endless', csv: `a,b\n1,2\n3,${'x'.repeat(2 * 1024 * 1024)}`, code: 'E_LINE_TOO_LONG', details: { row: 2, column: 'b', limit: 1_048_576 } },
      { name: 'cell', csv: `a,b\n1,${'y'.repeat(5_000)}\n`, code: 'E_CELL_TOO_LONG', details: { row: 1, column: 'b', length: 5_000, limit: 4_096 } },
      { name: 'header', csv: `${'n'.repeat(300)},b\n1,2\n`, code: 'E_COLUMN_NAME_TOO_LONG', details: { index: 1, length: 300, limit: 256 } },
      { name: 'wide-row', csv: `a,b\n1,2\n3,${','.repeat(3 * 1024 * 1024)}`, code: 'E_RAGGED', details: { row: 2, fields: 'more than 2', expected: 2 } },
    ];
    const before = await datasets();
    for (const c of cases) {
      const reply = await api<ErrorReply>(hub, 'POST', `/api/v1/datasets?name=${c.name}`, { bytes: encode(c.csv) });
      expect([c.name, reply.status, reply.body.error.code]).toEqual([c.name, c.code === 'E_RAGGED' ? 400 : 413, c.code]);
      expect(reply.body.error.details).toMatchObject(c.details);
    }
    expect(await datasets()).toEqual(before);
  }, 60_000);

  it('limits hold in the parser itself: cells (rows x columns), rows and columns name where they were crossed', () => {
    const refusal = (csv: string, options: Parameters<typeof parseCsv>[1]): DatasetError => {
      try {
        parseCsv(csv, options);
      } catch (error) {
        if (error instanceof DatasetError) return error;
        throw error;
      }
      throw new Error('expected a refusal');
    };
    expect(refusal('a,b\n1,2\n3,4\n', { limits: { maxCells: 3 } })).toMatchObject({ code: 'E_TOO_MANY_CELLS', details: { limit: 3, row: 2, columns: 2 } });
    expect(refusal('a\n1\n2\n3\n', { maxRows: 2 })).toMatchObject({ code: 'E_TOO_MANY_ROWS', details: { limit: 2, row: 3 } });
    expect(refusal(`${'c,'.repeat(40)}c\n`, { maxColumns: 5 })).toMatchObject({ code: 'E_TOO_MANY_COLUMNS', details: { columns: 'more than 5', limit: 5 } });
  });

  it('keeps summaries short: categories longer than 200 characters are cut with a marker', async () => {
    const long = (i: number): string => `${String.fromCharCode(65 + i)}${'z'.repeat(3_000)}`;
    const csv = ['kind,v', ...Array.from({ length: 30 }, (_, i) => `${long(i % 3)},${i}`)].join('\n');
    const reply = await api<{ id: string }>(hub, 'POST', '/api/v1/datasets?name=long-labels', { bytes: encode(csv) });
    expect(reply.status).toBe(201);
    const detail = await api<{ summary: { columns: Array<{ name: string; top?: Array<{ value: string; count: number }> }> } }>(hub, 'GET', `/api/v1/datasets/${reply.body.id}`);
    const top = detail.body.summary.columns.find((c) => c.name === 'kind')?.top ?? [];
    expect(top.map((t) => [t.value.length, t.value.endsWith('…'), t.count])).toEqual([
      [200, true, 10],
      [200, true, 10],
      [200, true, 10],
    ]);
    // The training run still sees every character: only the summary is cut.
    expect(top[0]?.value.slice(0, 3)).toBe('Azz');
  });

  it('large parses wait for a worker; past the queue the upload is 503 with Retry-After, and nothing is stored', async () => {
    const csv = encode(legitCsv(40_000)); // 1.3 MB: parsed in a worker, not in the request
    expect(csv.length).toBeGreaterThan(1024 * 1024);
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    // One running and every waiting place taken.
    const holders = Array.from({ length: DATASET_WORKER_LIMITS.concurrency + DATASET_WORKER_LIMITS.maxWaiting }, () => datasetWorkerSlots.tryRun(() => held));
    // The slots are the module's, shared by every hub of this file: freed even when an expectation fails.
    try {
      expect(holders.every((h) => h !== null)).toBe(true);
      expect(datasetWorkerSlots.state()).toEqual({ running: DATASET_WORKER_LIMITS.concurrency, waiting: DATASET_WORKER_LIMITS.maxWaiting });
      const before = await datasets();
      const response = await fetch(`${hub.httpUrl}/api/v1/datasets?name=busy`, { method: 'POST', headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'text/csv' }, body: csv as BodyInit });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe(String(DATASET_WORKER_LIMITS.retryAfterS));
      expect(((await response.json()) as ErrorReply).error).toMatchObject({ code: 'E_UNAVAILABLE', details: { retryAfterS: DATASET_WORKER_LIMITS.retryAfterS } });
      expect(await datasets()).toEqual(before);
    } finally {
      release();
      await Promise.all(holders);
    }
    const retried = await api<{ rows: number }>(hub, 'POST', '/api/v1/datasets?name=busy', { bytes: csv });
    expect([retried.status, retried.body.rows]).toEqual([201, 40_000]);
  }, 60_000);
});

describe('WorkSlots', () => {
  it('runs at most `concurrency` at once, the rest in arrival order, and refuses past the queue', async () => {
    const slots = new WorkSlots(1, 2);
    const order: string[] = [];
    const gates = new Map<string, () => void>();
    const task = (name: string) => () =>
      new Promise<string>((resolve) => {
        order.push(`start ${name}`);
        gates.set(name, () => resolve(name));
      });
    const a = slots.tryRun(task('a'));
    const b = slots.tryRun(task('b'));
    const c = slots.tryRun(task('c'));
    expect(slots.tryRun(task('d'))).toBeNull();
    expect(slots.state()).toEqual({ running: 1, waiting: 2 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['start a']);
    gates.get('a')?.();
    expect(await a).toBe('a');
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['start a', 'start b']);
    gates.get('b')?.();
    await b;
    await new Promise((resolve) => setImmediate(resolve));
    gates.get('c')?.();
    expect(await c).toBe('c');
    expect(order).toEqual(['start a', 'start b', 'start c']);
    expect(slots.state()).toEqual({ running: 0, waiting: 0 });
  });
});
