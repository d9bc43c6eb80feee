import { describe, expect, it } from 'vitest';
import type { IoSpec } from '@edgefleet/protocol';
import { HubError } from '../../src/core/errors';
import { buildProbeInputs } from '../../src/core/probe-inputs';

const silero: IoSpec[] = [
  { name: 'input', type: 'float32', shape: ['', ''] },
  { name: 'state', type: 'float32', shape: [2, '', 128] },
  { name: 'sr', type: 'int64', shape: [] },
];
const sha = 'ab'.repeat(32);

describe('buildProbeInputs', () => {
  it('uses hints, defaults symbolic dims to 1, and is deterministic per hash', () => {
    const hints = { input: { dims: [1, 512] }, sr: { dims: [], data: [16000] } };
    const a = buildProbeInputs(silero, hints, sha);
    expect(a.input?.dims).toEqual([1, 512]);
    expect(a.state?.dims).toEqual([2, 1, 128]);
    expect(a.state?.data).toHaveLength(256);
    expect(a.sr).toEqual({ type: 'int64', dims: [], data: [16000] });
    expect(buildProbeInputs(silero, hints, sha)).toEqual(a);
    expect(buildProbeInputs(silero, hints, 'cd'.repeat(32)).input?.data).not.toEqual(a.input?.data);
    for (const value of a.input?.data ?? []) expect(Math.abs(Number(value))).toBeLessThanOrEqual(1);
  });

  it('names the offending hint', () => {
    expect(() => buildProbeInputs(silero, { nope: { dims: [1] } }, sha)).toThrow(/probe\.nope/);
    expect(() => buildProbeInputs(silero, { sr: { dims: [2], data: [1] } }, sha)).toThrow(HubError);
    expect(() => buildProbeInputs(silero, { input: { dims: [1000, 1000] } }, sha)).toThrow(/elements/);
  });
});
