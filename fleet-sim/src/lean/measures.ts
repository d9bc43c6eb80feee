/**
 * Pure helpers over what lean devices recorded: which devices a selection names, and how long
 * after a moment each device took to get its desired doc or to serve it (p50, p99, max).
 */
import type { DeviceTimings } from './device-types';
import type { Select } from './scenario';

export interface FleetMember {
  id: string;
  ring: string;
  group: string;
  tags: Record<string, string>;
}

/** FNV-1a: a stable per-id number for `fraction`. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The ids a selection names, in fleet order; `fraction` takes a stable share (salted, so two steps can pick differently). */
export function resolveSelect(members: readonly FleetMember[], select: Select, salt = ''): string[] {
  const ids = select.ids ? new Set(select.ids) : null;
  const matched = members.filter(
    (m) =>
      (select.ring === undefined || m.ring === select.ring) &&
      (select.group === undefined || m.group === select.group) &&
      (ids === null || ids.has(m.id)) &&
      Object.entries(select.tags ?? {}).every(([k, v]) => m.tags[k] === v),
  );
  if (select.fraction === undefined) return matched.map((m) => m.id);
  const keep = Math.ceil(select.fraction * matched.length);
  const chosen = new Set([...matched].sort((a, b) => hash(salt + a.id) - hash(salt + b.id)).slice(0, keep).map((m) => m.id));
  return matched.filter((m) => chosen.has(m.id)).map((m) => m.id);
}

export interface Percentiles {
  /** devices measured */
  n: number;
  /** devices that had none (never got the doc, never served) */
  missing: number;
  p50S: number | null;
  p99S: number | null;
  maxS: number | null;
}

/** Nearest-rank percentiles of seconds. */
export function percentiles(seconds: readonly number[], missing = 0): Percentiles {
  const sorted = [...seconds].sort((a, b) => a - b);
  const rank = (p: number): number | null => (sorted.length === 0 ? null : (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number));
  return { n: sorted.length, missing, p50S: rank(0.5), p99S: rank(0.99), maxS: sorted.length ? (sorted[sorted.length - 1] as number) : null };
}

/**
 * After `atMs`: until each device had its desired doc (a new seq arriving, or the retained doc
 * after a reconnect), and until it served a seq that arrived after `atMs`.
 */
export function delaysAfter(timings: readonly DeviceTimings[], atMs: number, ids?: ReadonlySet<string>): { desired: Percentiles; serving: Percentiles } {
  const desired: number[] = [];
  const serving: number[] = [];
  let considered = 0;
  for (const t of timings) {
    if (ids && !ids.has(t.id)) continue;
    considered++;
    const arrivals = [...t.seqs.map((s) => s.receivedAt), ...t.sessions.flatMap((s) => (s.desiredAt === null ? [] : [s.desiredAt]))].filter((at) => at >= atMs);
    if (arrivals.length > 0) desired.push((Math.min(...arrivals) - atMs) / 1000);
    const served = t.seqs.filter((s) => s.receivedAt >= atMs && s.servingAt !== null).map((s) => s.servingAt as number);
    if (served.length > 0) serving.push((Math.min(...served) - atMs) / 1000);
  }
  return { desired: percentiles(desired, considered - desired.length), serving: percentiles(serving, considered - serving.length) };
}

/** Seconds from each device's first connect attempt to its first CONNACK. */
export function connectTimes(timings: readonly DeviceTimings[]): Percentiles {
  const times = timings.flatMap((t) => {
    const first = t.sessions[0];
    return first && first.connectedAt !== null ? [(first.connectedAt - first.startedAt) / 1000] : [];
  });
  return percentiles(times, timings.length - times.length);
}
