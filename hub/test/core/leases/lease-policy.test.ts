/**
 * When a replica may act under the singleton-work lease (pure): only its holder, and only while
 * at least the safety margin of it is left, so a slow holder never acts on a lease about to lapse.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LEASE_TIMING, expiryOf, leaseTimingFor, mayAct } from '../../../src/core/leases/lease-policy';

const timing = { ttlMs: 30_000, marginMs: 2_000 };

describe('lease policy', () => {
  it('lets only the holder act, and only with the margin left', () => {
    const lease = { name: 'jobs', holder: 'hub-a', expiresAtMs: expiryOf(1_000, timing), token: 1 };
    expect(lease.expiresAtMs).toBe(31_000);
    expect(mayAct(lease, 'hub-a', 1_000, timing)).toBe(true);
    expect(mayAct(lease, 'hub-a', 29_000, timing)).toBe(true);
    expect(mayAct(lease, 'hub-a', 29_001, timing)).toBe(false);
    expect(mayAct(lease, 'hub-b', 1_000, timing)).toBe(false);
    expect(mayAct(undefined, 'hub-a', 1_000, timing)).toBe(false);
  });

  it('derives the margin from a configured lease length: the default at 30 s, at least a second for short ones', () => {
    expect(leaseTimingFor(30)).toEqual(DEFAULT_LEASE_TIMING);
    expect(leaseTimingFor(5)).toEqual({ ttlMs: 5_000, marginMs: 1_000 });
    expect(leaseTimingFor(600)).toEqual({ ttlMs: 600_000, marginMs: 40_000 });
  });
});
