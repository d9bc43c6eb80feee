/**
 * How often a device's coming and going reaches the audit trail (issue 16 item 6): at most one
 * `device.online` / `device.offline` row per device per interval, the next row saying how many
 * changes were left out meanwhile (`suppressed`). A device reconnecting in a loop wrote two rows
 * per connection, without bound. The device's own row (online, last seen) is written every time
 * all the same: only the history is thinned.
 *
 * Decisions are made inside the ingestion transaction, which may be applied again after a
 * conflict (PostgreSQL): the same device at the same instant is taken for the same decision
 * again, so a retried batch neither loses its row nor counts a suppression twice.
 * Bounded memory: the least recently audited devices are forgotten past `maxDevices`. Pure.
 */

export type PresenceAuditDecision = { audit: true; suppressed: number } | { audit: false };

interface DeviceState {
  /** when its last row was let through */
  at: number;
  /** changes left out since that row */
  suppressed: number;
  /** what that row said was left out before it (repeated if the same decision is made again) */
  reported: number;
  /** the instant of the last change left out */
  suppressedAt: number;
}

const PRESENCE_AUDIT_INTERVAL_MS = 60_000;

export class PresenceAuditLimiter {
  private readonly devices = new Map<string, DeviceState>();

  constructor(
    private readonly intervalMs = PRESENCE_AUDIT_INTERVAL_MS,
    private readonly maxDevices = 50_000,
  ) {}

  admit(deviceId: string, nowMs: number): PresenceAuditDecision {
    const state = this.devices.get(deviceId);
    if (state && state.at === nowMs) return { audit: true, suppressed: state.reported };
    if (state && nowMs - state.at < this.intervalMs) {
      if (state.suppressedAt !== nowMs) state.suppressed++;
      state.suppressedAt = nowMs;
      return { audit: false };
    }
    const suppressed = state?.suppressed ?? 0;
    // Re-inserted, so the map's order is least recently audited first.
    this.devices.delete(deviceId);
    this.devices.set(deviceId, { at: nowMs, suppressed: 0, reported: suppressed, suppressedAt: Number.NaN });
    for (const oldest of this.devices.keys()) {
      if (this.devices.size <= this.maxDevices) break;
      this.devices.delete(oldest);
    }
    return { audit: true, suppressed };
  }

  /** devices remembered now (tests) */
  tracked(): number {
    return this.devices.size;
  }
}
