import { describe, expect, it } from 'vitest';
import { DEFAULT_ADMISSION_LIMITS, PublishAdmission, type AdmissionLimits } from '../../src/core/publish-admission';

const limits = (device: { capacity: number; perSecond: number }, fleet = { capacity: 1000, perSecond: 1000 }): AdmissionLimits => ({
  perDevice: { ...DEFAULT_ADMISSION_LIMITS.perDevice, stats: device },
  fleet: { ...DEFAULT_ADMISSION_LIMITS.fleet, stats: fleet },
});

describe('PublishAdmission', () => {
  it('lets a device burst up to its capacity, then refuses, naming the limit', () => {
    const admission = new PublishAdmission(limits({ capacity: 3, perSecond: 0.5 }));
    for (let i = 0; i < 3; i++) expect(admission.admit('d1', 'stats', 0)).toEqual({ allow: true });
    expect(admission.admit('d1', 'stats', 0)).toEqual({ allow: false, reason: 'stats rate limit: device d1 exceeds 0.5/s (burst 3)' });
    // Another device and another kind have buckets of their own.
    expect(admission.admit('d2', 'stats', 0).allow).toBe(true);
    expect(admission.admit('d1', 'state', 0).allow).toBe(true);
  });

  it('refills at the sustained rate, never beyond the capacity, and ignores a clock stepping back', () => {
    const admission = new PublishAdmission(limits({ capacity: 2, perSecond: 0.5 }));
    admission.admit('d1', 'stats', 0);
    admission.admit('d1', 'stats', 0);
    expect(admission.admit('d1', 'stats', 1_000).allow).toBe(false);
    expect(admission.admit('d1', 'stats', 2_000).allow).toBe(true);
    expect(admission.admit('d1', 'stats', 1_000).allow).toBe(false);
    // An hour idle refills to the burst, not to 1,800.
    expect([0, 1, 2].map(() => admission.admit('d1', 'stats', 3_600_000).allow)).toEqual([true, true, false]);
  });

  it('caps the fleet together, and a refused publish takes no token', () => {
    const admission = new PublishAdmission(limits({ capacity: 10, perSecond: 1 }, { capacity: 3, perSecond: 1 }));
    expect(['a', 'b', 'c', 'd'].map((d) => admission.admit(d, 'stats', 0))).toEqual([
      { allow: true },
      { allow: true },
      { allow: true },
      { allow: false, reason: 'stats admission: the fleet exceeds 1/s' },
    ]);
    expect(admission.admit('d', 'stats', 1_000).allow).toBe(true);
  });

  it('admits the default outbox drain of 500 windows in one burst', () => {
    const admission = new PublishAdmission();
    expect(Array.from({ length: 500 }, () => admission.admit('d1', 'stats', 0).allow).every(Boolean)).toBe(true);
  });
});
