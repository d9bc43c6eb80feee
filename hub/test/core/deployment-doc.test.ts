import { describe, expect, it } from 'vitest';
import { deploymentDocSchema } from '@edgefleet/protocol';
import { planPin, type ReleaseRef } from '../../src/core/deployment-doc';

const ref = (version: string, releaseCounter: number, model = 'vad'): ReleaseRef => ({
  model,
  version,
  releaseCounter,
  // a distinct manifest hash per release
  ref: { sha256: Buffer.from(`${model}@${version}`.padEnd(32, '.')).toString('hex').slice(0, 64), size: 1000 + releaseCounter },
});
const base = { device: 'dev-1', seq: 7, now: new Date('2030-01-01T00:00:00Z'), ttlS: 3600, statsIntervalS: 60 };

describe('planPin', () => {
  it('first assignment: no previous, no downgrade, expiry = now + ttl', () => {
    const { doc, previous } = planPin({ ...base, target: ref('1', 1), current: null, currentPrevious: null, servingCounters: [] });
    expect(previous).toBeNull();
    expect(doc).toMatchObject({ type: 'deployment', device: 'dev-1', seq: 7, previous: null, allowDowngrade: false, rollout: null, expires: '2030-01-01T01:00:00.000Z' });
  });

  it('an upgrade keeps the replaced release as the fallback', () => {
    const { doc, previous } = planPin({ ...base, target: ref('2', 2), current: ref('1', 1), currentPrevious: null, servingCounters: [1] });
    expect(previous?.version).toBe('1');
    expect(doc.previous).toEqual(ref('1', 1).ref);
    expect(doc.allowDowngrade).toBe(false);
  });

  it('re-pinning the same release keeps its fallback', () => {
    const { previous } = planPin({ ...base, target: ref('2', 2), current: ref('2', 2), currentPrevious: ref('1', 1), servingCounters: [2] });
    expect(previous?.version).toBe('1');
  });

  it('pinning an older release is an authorised downgrade', () => {
    const { doc } = planPin({ ...base, target: ref('1', 1), current: ref('2', 2), currentPrevious: ref('1', 1), servingCounters: [2] });
    expect(doc.allowDowngrade).toBe(true);
    // the fallback must never be the release it replaces with itself
    expect(doc.previous).toEqual(ref('2', 2).ref);
  });

  it('a shadow of any version or model rides in the doc and never counts as a downgrade; none leaves the field out', () => {
    const older = planPin({ ...base, target: ref('2', 2), current: ref('2', 2), currentPrevious: null, servingCounters: [2], shadow: ref('1', 1) });
    expect(older.doc.shadow).toEqual(ref('1', 1).ref);
    expect(older.shadow?.version).toBe('1');
    expect(older.doc.allowDowngrade).toBe(false);
    const other = planPin({ ...base, target: ref('2', 2), current: null, currentPrevious: null, servingCounters: [], shadow: ref('7', 7, 'vad-small') });
    expect(other.doc.shadow).toEqual(ref('7', 7, 'vad-small').ref);
    for (const shadow of [undefined, null]) {
      const plain = planPin({ ...base, target: ref('2', 2), current: null, currentPrevious: null, servingCounters: [], shadow });
      expect('shadow' in plain.doc).toBe(false);
      expect(plain.shadow).toBeNull();
    }
  });

  it('names every release by the hash of its manifest, so the doc stays small and reads as a protocol doc', () => {
    const { doc } = planPin({ ...base, target: ref('2', 2), current: ref('1', 1), currentPrevious: null, servingCounters: [1], shadow: ref('3', 3), rollout: { id: 'r1', step: 2 } });
    expect(deploymentDocSchema.parse(doc)).toEqual(doc);
    expect(doc.active).toEqual(ref('2', 2).ref);
    expect(JSON.stringify(doc).length).toBeLessThan(700);
  });
});
