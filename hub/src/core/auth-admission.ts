/**
 * Admission control for device authentication (THREATS "Broker (aedes) hardening"), shared by
 * MQTT CONNECT and HTTP device auth so that a flood of wrong secrets can never starve real
 * devices, the database or libuv's thread pool. Each rule is decided before any hashing or
 * database work:
 *
 * 1. Failures per source address (token bucket). An address that failed too often recently is
 *    refused at once ("throttled", an auth failure). Only failures take tokens: successes are
 *    never limited, so a fleet of any size behind one NAT address can reconnect at once.
 * 2. Failures per device id (token bucket). Once an id has failed too often, the sources that
 *    failed for it are refused at once for that id; a source that has not failed for it is still
 *    checked (and is refused next time if it fails). A flood against a device's id from
 *    elsewhere therefore never locks the device itself out: a successful authentication is
 *    never refused because of another source's failures.
 * 3. Slow (legacy scrypt) verifications: at most `concurrency` at once, the rest wait in one
 *    bounded queue served round-robin across sources, sources without recent failures first.
 *    When the queue is full, a newcomer displaces the newest waiter of the source that holds the
 *    most (failing sources first) if that evens things out, otherwise it is refused ("busy":
 *    server unavailable, retry later). A source never has more slow checks pending than
 *    failures it has left, so a flooding address cannot fill the queue before its failures
 *    count.
 *
 * Pure: time comes in as an argument (the latest time seen orders the queue); waiting is a
 * promise the module resolves itself.
 */
import type { RateLimit } from './publish-admission';

export interface AuthLimits {
  /** failed authentications per source address (an IPv6 /64 counts as one address) */
  perSource: RateLimit;
  /** failed authentications per device id */
  perDevice: RateLimit;
  slow: {
    /** slow verifications running at once */
    concurrency: number;
    /** slow verifications waiting for a turn, all sources together */
    maxWaiting: number;
    /** what one takes, for the Retry-After of a full queue */
    estimatedMs: number;
  };
  /** sources and ids remembered before idle (refilled) ones, then the oldest, are forgotten */
  maxTracked: number;
  /** sources remembered per id as having failed for it */
  maxSourcesPerDevice: number;
}

/**
 * Successes take nothing from any bucket: a 10,000-device fleet reconnecting at once behind one
 * NAT address passes in full as long as fewer than 1,200 of its devices fail during the storm
 * and, after it, fewer than 20 a second fail (40 devices with a stale secret retrying every 2 s).
 * A flooding address is held to 20 checks of a wrong secret a second (each microseconds with
 * the keyed hash), an id to 20 failures and then one every 10 s per failing source.
 */
export const DEFAULT_AUTH_LIMITS: AuthLimits = {
  perSource: { capacity: 1_200, perSecond: 20 },
  perDevice: { capacity: 20, perSecond: 0.1 },
  // scrypt (N=16384) takes ~50 ms and 16 MiB on one of libuv's 4 pool threads: 2 at once leave
  // half the pool to file reads (artifact downloads stalled when scrypt filled it). 128 waiting
  // are ~3 s of work, well inside the agents' 10 s connect timeout, so nobody queues, gives up
  // and pays again.
  slow: { concurrency: 2, maxWaiting: 128, estimatedMs: 50 },
  maxTracked: 100_000,
  maxSourcesPerDevice: 32,
};

export type AuthRefusal =
  /** too many recent failures: refused without checking the secret (an auth failure) */
  | { kind: 'throttled'; scope: 'source' | 'device'; retryAfterS: number }
  /** the slow-verification queue is full: server unavailable */
  | { kind: 'busy'; retryAfterS: number };

/** What a credential check ends in; `invalid` is an unknown id or a wrong secret. */
export type AuthOutcome = { kind: 'ok' } | { kind: 'invalid' } | AuthRefusal;

/** A turn at a slow verification; release it exactly once when done (later calls do nothing). */
export interface SlowSlot {
  kind: 'slot';
  release(): void;
}

interface Bucket {
  tokens: number;
  at: number;
}

interface DeviceFailures {
  bucket: Bucket;
  /** sources that failed for this id, oldest first */
  sources: Set<string>;
}

interface Waiter {
  source: string;
  resolve(result: SlowSlot | AuthRefusal): void;
}

/**
 * The key a remote address is counted under: IPv4 (also IPv4-mapped IPv6) as is, IPv6 by its
 * /64 (one subscriber's prefix: counting single IPv6 addresses would give a flooder 2^64
 * fresh sources), anything unknown as `unknown`.
 */
export function sourceKey(address: string | undefined | null): string {
  if (!address) return 'unknown';
  const bare = address.replace(/%.*$/, '').toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(bare);
  if (mapped?.[1]) return mapped[1];
  if (!bare.includes(':')) return bare;
  const halves = bare.split('::');
  if (halves.length > 2) return bare;
  const [head = '', tail] = halves;
  const groups = (text: string | undefined): string[] => (text ? text.split(':').flatMap((part) => (part.includes('.') ? ['0', '0'] : [part])) : []);
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const full = tail === undefined ? front : [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  if (full.length !== 8 || !full.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return bare;
  return `${full
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export class AuthAdmission {
  private readonly sources = new Map<string, Bucket>();
  private readonly devices = new Map<string, DeviceFailures>();
  /** per source, in round-robin order (a served source moves to the back) */
  private readonly waiting = new Map<string, Waiter[]>();
  private waitingCount = 0;
  private readonly running = new Map<string, number>();
  private runningCount = 0;
  /** the latest time any call brought */
  private clock = Number.NEGATIVE_INFINITY;

  constructor(private readonly limits: AuthLimits = DEFAULT_AUTH_LIMITS) {}

  /** Before any work: a refusal when the source, or this id from this source, failed too often. */
  check(source: string, deviceId: string, nowMs: number): AuthRefusal | null {
    const now = this.tick(nowMs);
    const tokens = this.sourceTokens(source, now);
    if (tokens < 1) return throttled('source', tokens, this.limits.perSource);
    const device = this.devices.get(deviceId);
    if (device?.sources.has(source)) {
      const bucket = refill(device.bucket, this.limits.perDevice, now);
      if (bucket.tokens < 1) return throttled('device', bucket.tokens, this.limits.perDevice);
    }
    return null;
  }

  /** A wrong secret or unknown id; says which limits this failure used up. */
  recordFailure(source: string, deviceId: string, nowMs: number): { sourceThrottled: boolean; deviceThrottled: boolean } {
    const now = this.tick(nowMs);
    const sourceBucket = refill(this.sources.get(source), this.limits.perSource, now);
    const sourceBefore = sourceBucket.tokens;
    sourceBucket.tokens = Math.max(0, sourceBucket.tokens - 1);
    touch(this.sources, source, sourceBucket);

    const device = this.devices.get(deviceId) ?? { bucket: { tokens: this.limits.perDevice.capacity, at: now }, sources: new Set<string>() };
    device.bucket = refill(device.bucket, this.limits.perDevice, now);
    const deviceBefore = device.bucket.tokens;
    device.bucket.tokens = Math.max(0, device.bucket.tokens - 1);
    device.sources.delete(source);
    device.sources.add(source);
    for (const oldest of device.sources) {
      if (device.sources.size <= this.limits.maxSourcesPerDevice) break;
      device.sources.delete(oldest);
    }
    touch(this.devices, deviceId, device);
    this.prune(now);
    return { sourceThrottled: sourceBefore >= 1 && sourceBucket.tokens < 1, deviceThrottled: deviceBefore >= 1 && device.bucket.tokens < 1 };
  }

  /** The right secret: the source is no longer one that failed for this id. Nothing is limited. */
  recordSuccess(source: string, deviceId: string): void {
    this.devices.get(deviceId)?.sources.delete(source);
  }

  /** A turn at a slow verification, now, later, or a refusal (`busy`). */
  slot(source: string, nowMs: number): Promise<SlowSlot | AuthRefusal> {
    const now = this.tick(nowMs);
    const pending = (this.running.get(source) ?? 0) + (this.waiting.get(source)?.length ?? 0);
    // Should they all fail, the source must still be within its limit.
    if (pending + 1 > this.sourceTokens(source, now)) return Promise.resolve(this.busy());
    if (this.runningCount < this.limits.slow.concurrency) return Promise.resolve(this.grant(source));
    if (this.waitingCount >= this.limits.slow.maxWaiting && !this.displaceFor(source)) return Promise.resolve(this.busy());
    return new Promise((resolve) => {
      const queue = this.waiting.get(source) ?? [];
      queue.push({ source, resolve });
      this.waiting.set(source, queue);
      this.waitingCount++;
    });
  }

  /** Failures the source may still make right now (core/sign-in-admission bounds its checks in flight by it). */
  failuresLeft(source: string, nowMs: number): number {
    return this.sourceTokens(source, this.tick(nowMs));
  }

  /** For tests and counters: slow verifications running and waiting. */
  load(): { running: number; waiting: number } {
    return { running: this.runningCount, waiting: this.waitingCount };
  }

  private tick(nowMs: number): number {
    this.clock = Math.max(this.clock, nowMs);
    return nowMs;
  }

  private sourceTokens(source: string, now: number): number {
    const bucket = this.sources.get(source);
    return bucket ? refill(bucket, this.limits.perSource, now).tokens : this.limits.perSource.capacity;
  }

  /** A source with failures in its bucket right now. */
  private failing(source: string): boolean {
    return this.sourceTokens(source, this.clock) < this.limits.perSource.capacity;
  }

  private busy(): AuthRefusal {
    const work = (this.waitingCount + this.runningCount) * this.limits.slow.estimatedMs;
    return { kind: 'busy', retryAfterS: Math.max(1, Math.ceil(work / Math.max(1, this.limits.slow.concurrency) / 1000)) };
  }

  private grant(source: string): SlowSlot {
    this.runningCount++;
    this.running.set(source, (this.running.get(source) ?? 0) + 1);
    let released = false;
    return {
      kind: 'slot',
      release: () => {
        if (released) return;
        released = true;
        this.runningCount--;
        const left = (this.running.get(source) ?? 1) - 1;
        if (left > 0) this.running.set(source, left);
        else this.running.delete(source);
        this.serveNext();
      },
    };
  }

  private serveNext(): void {
    while (this.runningCount < this.limits.slow.concurrency && this.waitingCount > 0) {
      let chosen: string | undefined;
      for (const source of this.waiting.keys()) {
        chosen ??= source;
        if (!this.failing(source)) {
          chosen = source;
          break;
        }
      }
      if (chosen === undefined) return;
      const queue = this.waiting.get(chosen) ?? [];
      const waiter = queue.shift();
      this.waiting.delete(chosen);
      if (queue.length > 0) this.waiting.set(chosen, queue);
      if (!waiter) continue;
      this.waitingCount--;
      waiter.resolve(this.grant(chosen));
    }
  }

  /** Full queue: refuses the newest waiter of a source holding more (failing ones first), if any. */
  private displaceFor(source: string): boolean {
    const rank = (failing: boolean, count: number): number => (failing ? 1e9 : 0) + count;
    const newcomer = rank(this.failing(source), (this.waiting.get(source)?.length ?? 0) + 1);
    let victim: { source: string; rank: number } | null = null;
    for (const [other, queue] of this.waiting) {
      if (other === source) continue;
      const otherRank = rank(this.failing(other), queue.length);
      if (!victim || otherRank > victim.rank) victim = { source: other, rank: otherRank };
    }
    if (!victim || victim.rank <= newcomer) return false;
    const queue = this.waiting.get(victim.source) ?? [];
    const dropped = queue.pop();
    if (queue.length === 0) this.waiting.delete(victim.source);
    if (!dropped) return false;
    this.waitingCount--;
    dropped.resolve(this.busy());
    return true;
  }

  /** Full buckets are the default, so forgetting them changes nothing; past that, the oldest go. */
  private prune(now: number): void {
    const { maxTracked } = this.limits;
    if (this.sources.size > maxTracked) {
      for (const [key, bucket] of this.sources) if (refill(bucket, this.limits.perSource, now).tokens >= this.limits.perSource.capacity) this.sources.delete(key);
      for (const key of this.sources.keys()) {
        if (this.sources.size <= maxTracked) break;
        this.sources.delete(key);
      }
    }
    if (this.devices.size > maxTracked) {
      for (const [key, device] of this.devices) if (refill(device.bucket, this.limits.perDevice, now).tokens >= this.limits.perDevice.capacity) this.devices.delete(key);
      for (const key of this.devices.keys()) {
        if (this.devices.size <= maxTracked) break;
        this.devices.delete(key);
      }
    }
  }
}

function throttled(scope: 'source' | 'device', tokens: number, limit: RateLimit): AuthRefusal {
  return { kind: 'throttled', scope, retryAfterS: Math.max(1, Math.ceil((1 - tokens) / limit.perSecond)) };
}

/** Re-inserted so that the map's order is least recently failed first. */
function touch<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
}

function refill(bucket: Bucket | undefined, limit: RateLimit, nowMs: number): Bucket {
  if (!bucket) return { tokens: limit.capacity, at: nowMs };
  // A clock that steps back adds nothing.
  const elapsed = Math.max(0, nowMs - bucket.at) / 1000;
  return { tokens: Math.min(limit.capacity, bucket.tokens + elapsed * limit.perSecond), at: Math.max(bucket.at, nowMs) };
}
