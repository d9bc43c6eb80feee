import { describe, expect, it } from 'vitest';
import type { IoSpec } from '@edgefleet/protocol';
import { HubError } from '../../src/core/errors';
import { MAX_PROBE_JSON_BYTES, buildProbeInputs, defaultedProbeDims, shortFloat32 } from '../../src/core/probe-inputs';

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

  // ISSUE 11.7: a real image size was refused while the degenerate [1,3,1,1] default went silently.
  it('takes real image sizes within the manifest budget, and says when symbolic dims defaulted to 1', () => {
    const fixed: IoSpec[] = [{ name: 'image', type: 'float32', shape: [1, 3, 48, 192] }];
    const probe = buildProbeInputs(fixed, {}, sha);
    expect(probe.image?.dims).toEqual([1, 3, 48, 192]);
    expect(JSON.stringify(probe).length).toBeLessThan(MAX_PROBE_JSON_BYTES / 4);
    expect(buildProbeInputs(fixed, { image: { dims: [1, 3, 224, 224] } }, sha).image?.data).toHaveLength(150_528);
    expect(defaultedProbeDims(fixed, {})).toEqual([]);
    const symbolic: IoSpec[] = [{ name: 'image', type: 'float32', shape: ['N', 3, 'H', 'W'] }];
    expect(buildProbeInputs(symbolic, {}, sha).image?.dims).toEqual([1, 3, 1, 1]);
    expect(defaultedProbeDims(symbolic, {})).toEqual([expect.stringMatching(/^probe\.image: symbolic dims \["N",3,"H","W"\] were set to \[1,3,1,1\]/)]);
    expect(defaultedProbeDims(symbolic, { image: { dims: [1, 3, 48, 192] } })).toEqual([]);
  });

  it('samples given for an input replace its hint and random values; floats keep their float32 value in fewer digits', () => {
    const given = { input: { type: 'float32' as const, dims: [1, 3], data: [0.1, -2.5, 3] } };
    expect(buildProbeInputs(silero, {}, sha, given).input).toBe(given.input);
    for (const value of [0.1, Math.fround(0.1), Math.fround(Math.PI), -1e-30, 123456.789]) {
      expect(Math.fround(shortFloat32(value))).toBe(Math.fround(value));
      expect(String(shortFloat32(value)).length).toBeLessThanOrEqual(String(Math.fround(value)).length);
    }
    expect(shortFloat32(Math.fround(0.1))).toBe(0.1);
  });
});
