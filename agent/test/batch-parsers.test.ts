/**
 * The batch job's pure parts: CSV lines (quoting), numeric cells, the .npy header, how a
 * header binds to the model's features, rows stacked into one run and outputs sliced back, and
 * the queue's decisions (next job, resume point, version rule, progress, inbox names).
 */
import { describe, expect, it } from 'vitest';
import type { ReleaseManifest } from '@edgefleet/protocol';
import { parseCsvLine, parseNumberCell } from '../src/core/batch/csv-line';
import { EMPTY_CHECKPOINT, inboxCandidate, nextJob, progressDue, resumePoint, versionVerdict, type BatchJob } from '../src/core/batch/job';
import { npyRowBytes, parseNpyHeader } from '../src/core/batch/npy-header';
import { sliceOutputs, stackRows } from '../src/core/batch/row-tensors';
import { bindHeader, npyPlan, rowTensors, tablePlan, type TablePlan } from '../src/core/batch/table-plan';
import { makeRelease } from '../../test/fixtures/signing';

const bins = { edges: [0, 1], counts: [1], underflow: 0, overflow: 0, missing: 0, mean: 0, sd: 1 };
/** A trained classifier's shape: numeric [N, 2] named by the reference profile, and a categorical string input [N, 1]. */
const tabular = makeRelease({
  io: {
    inputs: [
      { name: 'numeric', type: 'float32', shape: ['N', 2] },
      { name: 'categorical', type: 'string', shape: ['N', 1] },
    ],
    outputs: [{ name: 'probabilities', type: 'float32', shape: ['N', 3] }],
  },
  reference: {
    rows: 1,
    features: [
      { name: 'temperature', kind: 'numeric', source: { input: 'numeric', index: 0 }, bins },
      { name: 'humidity', kind: 'numeric', source: { input: 'numeric', index: 1 }, bins },
      { name: 'mote', kind: 'categorical', source: { input: 'categorical', index: 0 }, categories: ['1'], counts: [1], unseen: 0, missing: 0 },
    ],
    outputs: [],
    ood: null,
  },
});

const planOf = (release: ReleaseManifest): TablePlan => {
  const plan = tablePlan(release);
  if (!plan.ok) throw new Error(plan.problem);
  return plan.value;
};

describe('CSV lines', () => {
  it('splits fields, unquotes quoted ones ("" is a quote), keeps commas inside quotes and trailing empties', () => {
    expect(parseCsvLine('a,b,c')).toEqual({ ok: true, cells: ['a', 'b', 'c'] });
    expect(parseCsvLine('"x, y","say ""hi""",3')).toEqual({ ok: true, cells: ['x, y', 'say "hi"', '3'] });
    expect(parseCsvLine('1,,')).toEqual({ ok: true, cells: ['1', '', ''] });
    expect(parseCsvLine('""')).toEqual({ ok: true, cells: [''] });
    expect(parseCsvLine('"a" ,b')).toEqual({ ok: true, cells: ['a', 'b'] });
  });

  it('refuses an unclosed quote (fields cannot span lines), text after a closing quote and a stray quote', () => {
    expect(parseCsvLine('1,"open')).toMatchObject({ ok: false, problem: expect.stringContaining('column 2: a quoted field is not closed') });
    expect(parseCsvLine('"a"b,c')).toMatchObject({ ok: false, problem: expect.stringContaining('column 1: text after a closing quote') });
    expect(parseCsvLine('a"b')).toMatchObject({ ok: false, problem: expect.stringContaining('quote inside an unquoted field') });
  });

  it('reads numbers strictly: decimals, exponents, NaN and infinities; never an empty cell as 0 nor hex', () => {
    expect(parseNumberCell(' 1.5 ')).toBe(1.5);
    expect(parseNumberCell('-2e3')).toBe(-2000);
    expect(parseNumberCell('NaN')).toBeNaN();
    expect(parseNumberCell('-Infinity')).toBe(-Infinity);
    for (const bad of ['', '  ', 'abc', '0x10', '1,5']) expect(parseNumberCell(bad), bad).toBeNull();
  });
});

describe('CSV header and rows against the model', () => {
  it('binds feature names in any order, ignores extra columns, and fills each row into the right input and column', () => {
    const header = ['label', 'mote', 'humidity', 'temperature'];
    const bound = bindHeader(planOf(tabular), header);
    if (!bound.ok) throw new Error(bound.problem);
    expect(bound.value.ignored).toEqual(['label']);
    const row = rowTensors(bound.value, header, ['ok', '3', '45.5', '21']);
    if (!row.ok) throw new Error(row.problem);
    expect(row.value.numeric).toEqual({ type: 'float32', dims: [1, 2], data: Float32Array.from([21, 45.5]) });
    expect(row.value.categorical).toEqual({ type: 'string', dims: [1, 1], data: ['3'] });
  });

  it('refuses a header missing a feature or naming a column twice, and a row with a bad number or another column count', () => {
    expect(bindHeader(planOf(tabular), ['temperature', 'mote'])).toMatchObject({ ok: false, problem: expect.stringContaining('missing column "humidity"') });
    expect(bindHeader(planOf(tabular), ['temperature', 'humidity', 'mote', 'mote'])).toMatchObject({ ok: false, problem: expect.stringContaining('"mote" appears twice') });
    const header = ['temperature', 'humidity', 'mote'];
    const bound = bindHeader(planOf(tabular), header);
    if (!bound.ok) throw new Error(bound.problem);
    expect(rowTensors(bound.value, header, ['21', 'wet', '1'])).toEqual({ ok: false, problem: 'column "humidity": "wet" is not a number' });
    expect(rowTensors(bound.value, header, ['21', '1'])).toEqual({ ok: false, problem: 'has 2 columns, the header 3' });
  });

  it('without feature names: one numeric input [N, F] takes F columns in order; anything else is sent to JSON Lines', () => {
    const plain = makeRelease({ io: { inputs: [{ name: 'x', type: 'float32', shape: ['batch', 3] }], outputs: [{ name: 'y', type: 'float32', shape: ['batch', 1] }] } });
    const header = ['c', 'b', 'a'];
    const bound = bindHeader(planOf(plain), header);
    if (!bound.ok) throw new Error(bound.problem);
    expect(rowTensors(bound.value, header, ['1', '2', '3'])).toMatchObject({ ok: true, value: { x: { dims: [1, 3], data: Float32Array.from([1, 2, 3]) } } });
    expect(bindHeader(planOf(plain), ['a', 'b'])).toMatchObject({ ok: false, problem: expect.stringContaining('takes 3 numeric columns in order') });
    const sequence = makeRelease({ io: { inputs: [{ name: 'input', type: 'float32', shape: [0, 0] }, { name: 'sr', type: 'int64', shape: [] }], outputs: [{ name: 'y', type: 'float32', shape: [0, 1] }] } });
    expect(tablePlan(sequence)).toMatchObject({ ok: false, problem: expect.stringContaining('send this model JSON Lines') });
  });
});

describe('.npy header', () => {
  const npy = (dict: string, major = 1): Uint8Array => {
    const pad = 64 - ((10 + dict.length + 1) % 64);
    const header = dict + ' '.repeat(pad) + '\n';
    const prefix = major === 1 ? [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8] : [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0, header.length & 0xff, header.length >> 8, 0, 0];
    return Uint8Array.from([...prefix, ...Buffer.from(header, 'latin1')]);
  };

  it('reads shape and where the data starts (versions 1 and 2), and asks for more bytes when the prefix is short', () => {
    const bytes = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 4), }");
    expect(parseNpyHeader(bytes)).toEqual({ ok: true, header: { dataOffset: bytes.length, shape: [1000, 4] } });
    expect(parseNpyHeader(bytes.subarray(0, 20))).toEqual({ ok: 'more', bytes: bytes.length });
    const v2 = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (7,), }", 2);
    expect(parseNpyHeader(v2)).toEqual({ ok: true, header: { dataOffset: v2.length, shape: [7] } });
    expect(npyRowBytes([1000, 4])).toBe(16);
  });

  it('refuses other data types, Fortran order and files that are not .npy', () => {
    expect(parseNpyHeader(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }"))).toMatchObject({ ok: false, problem: expect.stringContaining('<f8 is not supported') });
    expect(parseNpyHeader(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }"))).toMatchObject({ ok: false, problem: expect.stringContaining('Fortran order') });
    expect(parseNpyHeader(Buffer.from('temperature,humidity\n1,2\n'))).toMatchObject({ ok: false, problem: expect.stringContaining('not a .npy file') });
  });

  it('matches the model: one float32 input whose dims after the first the file has', () => {
    const plain = makeRelease({ io: { inputs: [{ name: 'x', type: 'float32', shape: ['N', 4] }], outputs: [{ name: 'y', type: 'float32', shape: ['N', 1] }] } });
    expect(npyPlan(plain, [10, 4])).toEqual({ ok: true, value: { input: 'x', rowDims: [1, 4] } });
    expect(npyPlan(plain, [10, 5])).toMatchObject({ ok: false, problem: expect.stringContaining('dim 1 is 5, input x needs 4') });
    expect(npyPlan(tabular, [10, 2])).toMatchObject({ ok: false, problem: expect.stringContaining('one float32 input') });
  });
});

describe('rows through one run', () => {
  it('stacks rows of one row each and slices per-row outputs back; refuses rows it cannot stack', () => {
    const row = (a: number, b: number) => ({ x: { type: 'float32' as const, dims: [1, 2], data: Float32Array.from([a, b]) } });
    expect(stackRows([row(1, 2), row(3, 4)])).toEqual({ x: { type: 'float32', dims: [2, 2], data: Float32Array.from([1, 2, 3, 4]) } });
    expect(stackRows([row(1, 2), { x: { type: 'float32', dims: [1, 3], data: Float32Array.from([1, 2, 3]) } }])).toBeNull();
    const outputs = { y: { type: 'float32' as const, dims: [2, 1], data: Float32Array.from([0.5, 0.25]) } };
    expect(sliceOutputs(outputs, 2)).toEqual([{ y: { type: 'float32', dims: [1, 1], data: [0.5] } }, { y: { type: 'float32', dims: [1, 1], data: [0.25] } }]);
    expect(sliceOutputs({ state: { type: 'float32', dims: [2, 1], data: Float32Array.from([0, 0]) } }, 3)).toBeNull();
  });
});

describe('queue decisions', () => {
  const job = (over: Partial<BatchJob>): BatchJob => ({
    v: 1, id: 'j', seq: 1, state: 'queued', format: 'csv', input: '/b/in.csv', output: '/b/in.csv.results.jsonl', origin: 'api', source: { ino: 1, size: 1, mtimeMs: 1 },
    createdAt: '', startedAt: null, finishedAt: null, version: null, rowsTotal: null, checkpoint: { ...EMPTY_CHECKPOINT }, error: null, ...over,
  });
  const v1 = { model: 'm', version: '1', sha256: 'a' };

  it('resumes a job a crash left running before the oldest queued one', () => {
    const jobs = [job({ id: 'a', seq: 1 }), job({ id: 'b', seq: 2, state: 'running', version: v1 }), job({ id: 'c', seq: 0, state: 'succeeded' })];
    expect(nextJob(jobs)?.id).toBe('b');
    expect(nextJob([job({ id: 'a', seq: 5 }), job({ id: 'z', seq: 3 })])?.id).toBe('z');
    expect(nextJob([job({ state: 'failed' })])).toBeNull();
  });

  it('resumes from the checkpoint, never before the first row', () => {
    expect(resumePoint(job({ checkpoint: { rowsDone: 512, rowsFailed: 1, outputBytes: 9000, inputOffset: 20_000 } }), 40)).toEqual({ rowsDone: 512, rowsFailed: 1, outputBytes: 9000, inputOffset: 20_000 });
    expect(resumePoint(job({}), 40)).toEqual({ rowsDone: 0, rowsFailed: 0, outputBytes: 0, inputOffset: 40 });
  });

  it('pins the serving version, waits without one, and fails a job when another version serves', () => {
    expect(versionVerdict(job({}), v1)).toEqual({ kind: 'start' });
    expect(versionVerdict(job({ version: v1 }), null)).toEqual({ kind: 'wait' });
    expect(versionVerdict(job({ version: v1 }), { ...v1 })).toEqual({ kind: 'same' });
    const changed = versionVerdict(job({ version: v1 }), { ...v1, version: '2', sha256: 'b' });
    expect(changed).toMatchObject({ kind: 'changed', error: { code: 'E_VERSION_CHANGED', message: expect.stringContaining('from m@1 to m@2') } });
  });

  it('logs progress every tenth of the rows or every 10 s', () => {
    expect(progressDue({ at: 0, rowsDone: 0 }, 1000, 9, 100)).toBe(false);
    expect(progressDue({ at: 0, rowsDone: 9 }, 1000, 10, 100)).toBe(true);
    expect(progressDue({ at: 0, rowsDone: 0 }, 10_000, 1, null)).toBe(true);
  });

  it('takes inbox files by extension, never hidden, partial or results files', () => {
    for (const name of ['rows.csv', 'rows.jsonl', 'frames.npy', 'x.ndjson']) expect(inboxCandidate(name), name).toBe(true);
    for (const name of ['.rows.csv', 'rows.csv.tmp', 'rows.csv.partial', 'rows.csv.results.jsonl', 'notes.txt']) expect(inboxCandidate(name), name).toBe(false);
  });
});
