/**
 * Admission control for device publishes (PERF.md: aedes collapses above its knee, so ingestion
 * must stay well below it). Token buckets per device and message kind, plus one per kind for the
 * whole fleet: a device may burst (an outbox of 500 windows drains at once after an outage) but
 * not sustain more than its rate, and the fleet together cannot push the hub past what ingestion
 * absorbs. A refused publish is not acknowledged (the broker adapter disconnects the device), so
 * the agent keeps the window in its outbox and sends it again after reconnecting: admission
 * control delays statistics, it never loses them. Pure: time comes in as an argument.
 */
import type { DeviceTopicKind } from '@edgefleet/protocol';
import type { AccessDecision } from './access-policy';

/** What devices publish: everything but their desired topic. */
export type DevicePublishKind = Exclude<DeviceTopicKind, 'desired'>;

export interface RateLimit {
  /** the burst: tokens a full bucket holds */
  capacity: number;
  /** sustained rate */
  perSecond: number;
}

export interface AdmissionLimits {
  perDevice: Record<DevicePublishKind, RateLimit>;
  fleet: Record<DevicePublishKind, RateLimit>;
}

export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = {
  perDevice: {
    // A full outbox (500 windows) drains in one burst; sustained, one window every 2 s (agents send one a minute).
    stats: { capacity: 600, perSecond: 0.5 },
    state: { capacity: 120, perSecond: 2 },
    events: { capacity: 200, perSecond: 2 },
    online: { capacity: 20, perSecond: 0.2 },
  },
  fleet: {
    // Each window costs a SQLite transaction (~0.1-0.5 ms): 2,000/s keeps ingestion under half a core.
    stats: { capacity: 20_000, perSecond: 2_000 },
    state: { capacity: 20_000, perSecond: 5_000 },
    events: { capacity: 20_000, perSecond: 5_000 },
    online: { capacity: 20_000, perSecond: 5_000 },
  },
};

interface Bucket {
  tokens: number;
  at: number;
}

/** Past this many tracked device buckets, full (idle) ones are forgotten: a full bucket is the default. */
const PRUNE_ABOVE = 50_000;

export class PublishAdmission {
  private readonly devices = new Map<string, Bucket>();
  private readonly fleet = new Map<DevicePublishKind, Bucket>();

  constructor(private readonly limits: AdmissionLimits = DEFAULT_ADMISSION_LIMITS) {}

  /** Takes one token from the device's and the fleet's bucket for `kind`, or says why not (taking none). */
  admit(deviceId: string, kind: DevicePublishKind, nowMs: number): AccessDecision {
    const deviceLimit = this.limits.perDevice[kind];
    const fleetLimit = this.limits.fleet[kind];
    const key = `${kind}\u0000${deviceId}`;
    const device = refill(this.devices.get(key), deviceLimit, nowMs);
    const fleet = refill(this.fleet.get(kind), fleetLimit, nowMs);
    if (device.tokens < 1) return { allow: false, reason: `${kind} rate limit: device ${deviceId} exceeds ${deviceLimit.perSecond}/s (burst ${deviceLimit.capacity})` };
    if (fleet.tokens < 1) return { allow: false, reason: `${kind} admission: the fleet exceeds ${fleetLimit.perSecond}/s` };
    device.tokens -= 1;
    fleet.tokens -= 1;
    this.devices.set(key, device);
    this.fleet.set(kind, fleet);
    if (this.devices.size > PRUNE_ABOVE) this.prune(nowMs);
    return { allow: true };
  }

  private prune(nowMs: number): void {
    for (const [key, bucket] of this.devices) {
      const kind = key.slice(0, key.indexOf('\u0000')) as DevicePublishKind;
      if (refill(bucket, this.limits.perDevice[kind], nowMs).tokens >= this.limits.perDevice[kind].capacity) this.devices.delete(key);
    }
  }
}

function refill(bucket: Bucket | undefined, limit: RateLimit, nowMs: number): Bucket {
  if (!bucket) return { tokens: limit.capacity, at: nowMs };
  // A clock that steps back adds nothing.
  const elapsed = Math.max(0, nowMs - bucket.at) / 1000;
  return { tokens: Math.min(limit.capacity, bucket.tokens + elapsed * limit.perSecond), at: Math.max(bucket.at, nowMs) };
}
