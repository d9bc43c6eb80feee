/**
 * Following the audit trail as rows commit (pure; the console's live updates, issue 13). Ids are
 * given out when a row is inserted, but on PostgreSQL transactions of several replicas commit in
 * any order, so a reader can see id 11 before id 10 commits; and a rolled-back insert leaves a gap
 * for good. The follower keeps a watermark below which every id was seen or given up on, and the
 * ids above it it has seen: each poll reads from the watermark, emits what is new, and moves the
 * watermark over seen ids and over gaps older than `gapGraceMs` (a transaction that long would be
 * a stuck one; its row is then missed by the live feed, never by the audit API).
 */
export interface AuditFollowerState {
  /** every id at or below it was emitted or given up on */
  watermark: number;
  /** ids above the watermark already emitted */
  seen: ReadonlySet<number>;
  /** when each missing id below the highest seen one was first noticed missing */
  gapsSince: ReadonlyMap<number, number>;
}

export const GAP_GRACE_MS = 5_000;

export function followFrom(watermark: number): AuditFollowerState {
  return { watermark, seen: new Set(), gapsSince: new Map() };
}

/** The ids of `polled` (rows with id > watermark, any order) to emit now, and the state after. */
export function advance(state: AuditFollowerState, polled: readonly number[], nowMs: number, gapGraceMs = GAP_GRACE_MS): { emit: number[]; state: AuditFollowerState } {
  const seen = new Set(state.seen);
  const emit = [...new Set(polled)].filter((id) => id > state.watermark && !seen.has(id)).sort((a, b) => a - b);
  for (const id of emit) seen.add(id);
  const highest = Math.max(state.watermark, ...seen);
  const gapsSince = new Map<number, number>();
  let watermark = state.watermark;
  let contiguous = true;
  for (let id = state.watermark + 1; id <= highest; id++) {
    if (seen.has(id)) {
      if (contiguous) {
        watermark = id;
        seen.delete(id);
      }
      continue;
    }
    const since = state.gapsSince.get(id) ?? nowMs;
    if (contiguous && nowMs - since >= gapGraceMs) {
      watermark = id;
      continue;
    }
    contiguous = false;
    gapsSince.set(id, since);
  }
  return { emit, state: { watermark, seen, gapsSince } };
}
