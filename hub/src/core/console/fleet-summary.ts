/**
 * The console overview's fleet figures (pure): devices in service online and offline, and which
 * versions they actually run (their last report's active release, not their assignment), most
 * widespread first.
 */
import { summarizeReport } from '../reported-state';

export interface FleetSummary {
  devices: { inService: number; online: number; offline: number };
  /** what the devices in service report running; devices reporting nothing are `none` */
  versions: Array<{ model: string; version: string; devices: number }>;
  /** devices in service that report running no model */
  runningNothing: number;
}

export function summarizeFleet(rows: ReadonlyArray<{ online: boolean; reported: unknown }>): FleetSummary {
  const counts = new Map<string, { model: string; version: string; devices: number }>();
  let online = 0;
  let runningNothing = 0;
  for (const row of rows) {
    if (row.online) online++;
    const active = summarizeReport(row.reported)?.active ?? null;
    if (!active) {
      runningNothing++;
      continue;
    }
    const key = `${active.model}@${active.version}`;
    const entry = counts.get(key) ?? { model: active.model, version: active.version, devices: 0 };
    entry.devices++;
    counts.set(key, entry);
  }
  const versions = [...counts.values()].sort((a, b) => b.devices - a.devices || a.model.localeCompare(b.model) || a.version.localeCompare(b.version));
  return { devices: { inService: rows.length, online, offline: rows.length - online }, versions, runningNothing };
}
