/** core/presence-audit.ts: one presence audit row per device a minute, the rest counted; a batch applied again decides the same. */
import { describe, expect, it } from 'vitest';
import { PresenceAuditLimiter } from '../../src/core/presence-audit';

describe('PresenceAuditLimiter', () => {
  it('lets the first change of a device through, counts the next ones of the minute, and reports them with the next row', () => {
    const limiter = new PresenceAuditLimiter(60_000);
    expect(limiter.admit('d1', 0)).toEqual({ audit: true, suppressed: 0 });
    for (let t = 1_000; t < 60_000; t += 1_000) expect(limiter.admit('d1', t)).toEqual({ audit: false });
    // Another device is not held back by this one.
    expect(limiter.admit('d2', 30_000)).toEqual({ audit: true, suppressed: 0 });
    expect(limiter.admit('d1', 60_000)).toEqual({ audit: true, suppressed: 59 });
    expect(limiter.admit('d1', 120_000)).toEqual({ audit: true, suppressed: 0 });
  });

  it('decides the same again for the same instant (an ingestion batch applied again after a conflict)', () => {
    const limiter = new PresenceAuditLimiter(60_000);
    limiter.admit('d1', 0);
    expect(limiter.admit('d1', 5_000)).toEqual({ audit: false });
    expect(limiter.admit('d1', 5_000)).toEqual({ audit: false });
    expect(limiter.admit('d1', 70_000)).toEqual({ audit: true, suppressed: 1 });
    expect(limiter.admit('d1', 70_000)).toEqual({ audit: true, suppressed: 1 });
  });

  it('remembers at most maxDevices devices, the least recently audited forgotten first', () => {
    const limiter = new PresenceAuditLimiter(60_000, 3);
    for (const id of ['a', 'b', 'c', 'd']) limiter.admit(id, 0);
    expect(limiter.tracked()).toBe(3);
    // `a` was forgotten: its next change is audited at once.
    expect(limiter.admit('a', 1_000)).toEqual({ audit: true, suppressed: 0 });
    expect(limiter.admit('d', 1_000)).toEqual({ audit: false });
  });
});
