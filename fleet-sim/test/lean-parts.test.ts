/**
 * The pure parts of lean mode, table-driven: the stand-in inference counted by the agent's
 * accumulator and judged by the hub's own drift evaluation (an undrifted device shows no drift;
 * each injection shows where it should), the in-memory outbox (order, PUBACK, merge on
 * overflow), selections and delay percentiles.
 */
import { describe, expect, it } from 'vitest';
import { releaseManifestSchema, type ReleaseManifest, type StatsWindow } from '@edgefleet/protocol';
import { StatsAccumulator } from '@edgefleet/device-core';
import { buildReferenceProfile } from '../../hub/src/core/reference-profile';
import { evaluateDrift } from '../../hub/src/core/drift/evaluate-drift';
import { mulberry32 } from '../../hub/src/core/seeded-random';
import { DriftState, drawLatency, drawRequest, groupSpecSchema, inputLayoutOf, standardNormal, type Drift } from '../src/lean/inputs';
import { driftSchema } from '../src/lean/inputs';
import { LeanOutbox } from '../src/lean/lean-outbox';
import { delaysAfter, percentiles, resolveSelect } from '../src/lean/measures';
import type { DeviceTimings } from '../src/lean/device-types';

const SHA = 'a'.repeat(64);

/** A classifier on two numeric readings and a site, its reference drawn from the distributions the lean devices default to. */
function classifier(ood: 'max-softmax' | 'standardized-distance'): ReleaseManifest {
  const random = mulberry32(7);
  const rows = 4000;
  const temperature = Array.from({ length: rows }, () => 60 + 8 * standardNormal(random));
  const vibration = Array.from({ length: rows }, () => 2 + 0.5 * standardNormal(random));
  const site = Array.from({ length: rows }, () => (random() < 0.5 ? 'a' : random() < 0.6 ? 'b' : 'c'));
  const predicted = Array.from({ length: rows }, () => (random() < 0.2 ? 0 : random() < 0.7 ? 1 : 2));
  const confidence = Array.from({ length: rows }, () => 0.4 + 0.6 * Math.sqrt(random()));
  const distance = temperature.map((t, i) => Math.sqrt((((t - 60) / 8) ** 2 + (((vibration[i] as number) - 2) / 0.5) ** 2) / 2));
  const reference = buildReferenceProfile({
    rows,
    features: [
      { name: 'temperature', kind: 'numeric', source: { input: 'numeric', index: 0 }, values: temperature },
      { name: 'vibration', kind: 'numeric', source: { input: 'numeric', index: 1 }, values: vibration },
      { name: 'site', kind: 'categorical', source: { input: 'categorical', index: 0 }, values: site, categories: ['a', 'b', 'c'] },
    ],
    outputs: [{ name: 'label', kind: 'class', classes: ['failing', 'healthy', 'worn'], predicted, confidence }],
    ood: { score: ood, values: ood === 'max-softmax' ? confidence : distance },
  });
  return releaseManifestSchema.parse({
    type: 'release',
    v: 1,
    model: 'machines',
    version: '1',
    releaseCounter: 1,
    artifact: { sha256: SHA, size: 10, url: 'http://hub/artifacts/x' },
    format: 'onnx',
    quantization: 'none',
    io: {
      inputs: [
        { name: 'numeric', type: 'float32', shape: ['N', 2] },
        { name: 'categorical', type: 'string', shape: ['N', 1] },
      ],
      outputs: [{ name: 'probabilities', type: 'float32', shape: ['N', 3] }],
    },
    compat: {},
    reference,
    probe: { inputs: {}, expected: {}, tolerance: { abs: 0, rel: 0 } },
    lineage: {},
    createdAt: '2026-12-01T00:00:00.000Z',
  });
}

/** An anomaly scorer: one numeric output and a reconstruction-error OOD score. */
function scorer(): ReleaseManifest {
  const base = classifier('max-softmax');
  const random = mulberry32(8);
  const rows = 4000;
  const temperature = Array.from({ length: rows }, () => 60 + 8 * standardNormal(random));
  const vibration = Array.from({ length: rows }, () => 2 + 0.5 * standardNormal(random));
  const error = Array.from({ length: rows }, () => Math.abs(standardNormal(random)) * 0.1);
  const reference = buildReferenceProfile({
    rows,
    features: [
      { name: 'temperature', kind: 'numeric', source: { input: 'numeric', index: 0 }, values: temperature },
      { name: 'vibration', kind: 'numeric', source: { input: 'numeric', index: 1 }, values: vibration },
    ],
    outputs: [{ name: 'wear', kind: 'numeric', values: error.map((e) => 5 + e * 20) }],
    ood: { score: 'reconstruction-error', values: error },
  });
  return { ...base, io: { inputs: [base.io.inputs[0] as ReleaseManifest['io']['inputs'][number]], outputs: [{ name: 'wear', type: 'float32', shape: ['N', 1] }, { name: 'score', type: 'float32', shape: ['N', 1] }] }, reference };
}

/** One window of `rows` predictions of a lean device with `drifts` injected, as the hub judges it. */
function judge(release: ReleaseManifest, drifts: Drift[], rows = 4000) {
  const group = groupSpecSchema.parse({});
  const drift = new DriftState();
  for (const d of drifts) drift.apply(d);
  const random = mulberry32(99);
  const accumulator = new StatsAccumulator(release, { device: 'd-1', now: new Date(0), msgId: () => 'msg-00000001' });
  const layout = inputLayoutOf(release);
  for (let done = 0; done < rows; done += 10) {
    const { inputs, outputs } = drawRequest(release, layout, group, drift, random, 10);
    accumulator.record(inputs, outputs, drawLatency(group, random));
  }
  const window = accumulator.close(new Date(60_000));
  expect(window.n).toBe(rows);
  if (!release.reference) throw new Error('no reference');
  return evaluateDrift(release.reference, window);
}

const d = (input: Partial<Drift>): Drift => driftSchema.parse(input);

describe('lean stand-in inference, judged by the hub', () => {
  it.each(['max-softmax', 'standardized-distance'] as const)('an undrifted device shows no drift on any signal (%s OOD)', (ood) => {
    const report = judge(classifier(ood), []);
    expect({ drifting: report.drifting, warnings: report.warnings }).toEqual({ drifting: [], warnings: [] });
  });

  it.each([
    ['a mean shift of one feature', [d({ feature: 'vibration', meanShiftSds: 2 })], ['vibration']],
    ['a wider spread', [d({ feature: 'temperature', sdScale: 3 })], ['temperature']],
    ['a category the reference never saw', [d({ feature: 'site', newCategories: { z: 0.25 } })], ['site']],
    ['out-of-distribution rows', [d({ oodFraction: 0.2 })], ['ood']],
  ])('%s drifts where it should', (_, drifts, expected) => {
    const report = judge(classifier('max-softmax'), drifts);
    expect(report.drifting).toEqual(expect.arrayContaining(expected));
    if (expected[0] !== 'ood') expect(report.drifting).not.toContain(expected[0] === 'temperature' ? 'vibration' : 'temperature');
  });

  it('an anomaly scorer (numeric output, reconstruction-error OOD) is quiet undrifted and flags out-of-distribution rows', () => {
    const quiet = judge(scorer(), []);
    expect({ drifting: quiet.drifting, warnings: quiet.warnings }).toEqual({ drifting: [], warnings: [] });
    expect(judge(scorer(), [d({ oodFraction: 0.2 })]).drifting).toContain('ood');
    expect(judge(scorer(), [d({ feature: 'vibration', meanShiftSds: 2 })]).drifting).toEqual(expect.arrayContaining(['vibration', 'wear']));
  });

  it('reset clears every injection', () => {
    const report = judge(classifier('max-softmax'), [d({ feature: 'vibration', meanShiftSds: 2 }), d({ oodFraction: 0.3 }), d({ reset: true })]);
    expect(report.drifting).toEqual([]);
  });
});

const window = (msgId: string, n: number): StatsWindow =>
  ({ msgId, device: 'd-1', model: 'm', version: '1', sha256: SHA, windowStart: '2026-12-01T00:00:00.000Z', windowEnd: '2026-12-01T00:01:00.000Z', n, errors: {}, latencyMs: { counts: [n], underflow: 0, overflow: 0, missing: 0, sum: 0, sumSq: 0, min: 0, max: 0 }, features: [], outputs: [], ood: null }) as StatsWindow;

describe('lean outbox', () => {
  it('sends oldest first, one at a time, and keeps a window until its PUBACK', async () => {
    const outbox = new LeanOutbox(10);
    const sent: string[] = [];
    let fail = true;
    const send = async (w: StatsWindow) => {
      sent.push(w.msgId);
      if (fail) throw new Error('link down');
    };
    outbox.add(window('w-000001', 5));
    outbox.add(window('w-000002', 7));
    outbox.drain(send);
    await new Promise((resolve) => setImmediate(resolve));
    expect({ sent, size: outbox.size }).toEqual({ sent: ['w-000001'], size: 2 });
    fail = false;
    outbox.drain(send);
    await new Promise((resolve) => setImmediate(resolve));
    expect({ sent, size: outbox.size, acked: outbox.tally.acked.get('m@1') }).toEqual({ sent: ['w-000001', 'w-000001', 'w-000002'], size: 0, acked: { windows: 2, rows: 12, errors: 0 } });
  });

  it('past its bound merges the two oldest windows, never losing a row', () => {
    const outbox = new LeanOutbox(2);
    for (let i = 1; i <= 4; i++) outbox.add(window(`w-00000${i}`, i));
    expect(outbox.size).toBe(2);
    expect(outbox.tally).toMatchObject({ merged: 2, lost: 0 });
  });
});

describe('selections and delays', () => {
  const members = Array.from({ length: 100 }, (_, i) => ({ id: `d-${i}`, ring: i < 10 ? 'canary' : 'main', group: i % 2 ? 'odd' : 'even', tags: { site: i < 50 ? 'a' : 'b' } }));

  it.each([
    [{}, 100],
    [{ ring: 'canary' }, 10],
    [{ ring: 'main', group: 'odd' }, 45],
    [{ tags: { site: 'a' } }, 50],
    [{ fraction: 0.25 }, 25],
    [{ ring: 'canary', fraction: 0.5 }, 5],
    [{ ids: ['d-1', 'd-2', 'nope'] }, 2],
  ])('%j names %i devices', (select, count) => {
    expect(resolveSelect(members, select)).toHaveLength(count);
  });

  it('a fraction is stable for one salt and differs between salts', () => {
    expect(resolveSelect(members, { fraction: 0.3 }, 'x')).toEqual(resolveSelect(members, { fraction: 0.3 }, 'x'));
    expect(resolveSelect(members, { fraction: 0.3 }, 'x')).not.toEqual(resolveSelect(members, { fraction: 0.3 }, 'y'));
  });

  it('percentiles are nearest-rank; delays count from the moment, missing devices apart', () => {
    expect(percentiles([3, 1, 2, 4], 1)).toEqual({ n: 4, missing: 1, p50S: 2, p99S: 4, maxS: 4 });
    const timings: DeviceTimings[] = [
      { id: 'a', ring: 'r', group: 'g', sessions: [], seqs: [{ seq: 2, version: '2', receivedAt: 11_000, acceptedAt: 11_100, servingAt: 12_000, failedAt: null, code: null }] },
      { id: 'b', ring: 'r', group: 'g', sessions: [{ startedAt: 10_500, connectedAt: 10_600, desiredAt: 13_000 }], seqs: [] },
      { id: 'c', ring: 'r', group: 'g', sessions: [], seqs: [{ seq: 1, version: '1', receivedAt: 5_000, acceptedAt: 5_000, servingAt: 6_000, failedAt: null, code: null }] },
    ];
    expect(delaysAfter(timings, 10_000)).toEqual({
      desired: { n: 2, missing: 1, p50S: 1, p99S: 3, maxS: 3 },
      serving: { n: 1, missing: 2, p50S: 2, p99S: 2, maxS: 2 },
    });
  });
});
