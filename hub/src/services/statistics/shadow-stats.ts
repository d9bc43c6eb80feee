/**
 * Shadow-mode agreement and latency of a candidate version (ROLLOUTS "Shadow": "a gate can
 * require agreement"), read from the shadow buckets stats ingestion fills: every bucket whose
 * shadow names the candidate, whatever version it ran beside, on the chosen devices and hours.
 */
import { parseWith, shadowStatsSchema, type ShadowStats } from '@edgefleet/protocol';
import { notFound, validation } from '../../core/errors';
import { sumShadow, type ShadowTotals } from '../../core/shadow-summary';
import { getVersion } from '../../adapters/db/models';
import { listShadowBuckets, type ShadowBucketRow } from '../../adapters/db/shadow-stats';
import type { HubContext } from '../context';

export interface ShadowAgreementQuery {
  /** the candidate that ran as a shadow */
  model: string;
  version: string;
  /** only these devices (a rollout's members); all when absent */
  devices?: readonly string[];
  /** buckets whose hour ends after this (ISO, an hour boundary) */
  fromHour: string;
  /** buckets whose hour starts before this (ISO) */
  to: string;
}

export interface ShadowAgreement extends ShadowTotals {
  /** distinct devices and raw windows that contributed */
  devices: number;
  windows: number;
}

/**
 * Comparisons and agreements of `model@version` running as a shadow; null when no device
 * reported any. The shape the rollout gate `shadow-agreement` takes (`{ n, agree } | null`),
 * with latency and failures besides.
 */
export async function shadowAgreement(ctx: Pick<HubContext, 'db'>, query: ShadowAgreementQuery): Promise<ShadowAgreement | null> {
  if (query.devices && query.devices.length === 0) return null;
  const rows = await listShadowBuckets(ctx.db, { shadowModel: query.model, shadowVersion: query.version, fromHour: query.fromHour, to: query.to, ...(query.devices ? { devices: query.devices } : {}) });
  return (await totalsOf(ctx, query.model, query.version, rows))?.totals ?? null;
}

export interface ShadowQuery {
  model: string;
  version: string;
  device?: string;
  ring?: string;
  from?: string;
  to?: string;
}

export interface ShadowView {
  model: string;
  version: string;
  from: string;
  to: string;
  /** null without data */
  shadow: ShadowAgreement | null;
  /** the same per serving version the candidate was compared with */
  against: Array<{ model: string; version: string; n: number; agree: number; agreement: number | null }>;
}

const DEFAULT_RANGE_MS = 24 * 3_600_000;
const HOUR_MS = 3_600_000;

/** GET /api/v1/models/{model}/versions/{version}/shadow */
export async function shadowView(ctx: Pick<HubContext, 'db' | 'now'>, query: ShadowQuery): Promise<ShadowView> {
  if (!(await getVersion(ctx.db, query.model, query.version))) throw notFound(`model version ${query.model}@${query.version}`);
  const to = query.to ? new Date(query.to) : ctx.now();
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - DEFAULT_RANGE_MS);
  if (from.getTime() >= to.getTime()) throw validation('from must be before to');
  // A bucket overlaps [from, to) when its hour ends after `from` and starts before `to`.
  const fromHour = new Date(Math.floor(from.getTime() / HOUR_MS) * HOUR_MS).toISOString();
  const rows = await listShadowBuckets(ctx.db, {
    shadowModel: query.model,
    shadowVersion: query.version,
    fromHour,
    to: to.toISOString(),
    ...(query.device !== undefined ? { device: query.device } : {}),
    ...(query.ring !== undefined ? { ring: query.ring } : {}),
  });
  const all = await totalsOf(ctx, query.model, query.version, rows);
  const against = [...(all?.byServing ?? new Map<string, ShadowStats[]>())].map(([key, sections]) => {
    const [model = '', version = ''] = key.split('\u0000');
    const totals = sumShadow(sections);
    return { model, version, n: totals?.n ?? 0, agree: totals?.agree ?? 0, agreement: totals?.agreement ?? null };
  });
  return { model: query.model, version: query.version, from: from.toISOString(), to: to.toISOString(), shadow: all?.totals ?? null, against };
}

/** Sums the buckets of the candidate's current artifact (a bucket of another artifact is skipped). */
async function totalsOf(ctx: Pick<HubContext, 'db'>, model: string, version: string, rows: readonly ShadowBucketRow[]): Promise<{ totals: ShadowAgreement; byServing: Map<string, ShadowStats[]> } | null> {
  const sha256 = (await getVersion(ctx.db, model, version))?.sha256;
  const sections: ShadowStats[] = [];
  const byServing = new Map<string, ShadowStats[]>();
  const devices = new Set<string>();
  let windows = 0;
  for (const row of rows) {
    if (row.shadowSha256 !== sha256) continue;
    const section = parseWith(shadowStatsSchema, row.merged, 'stored shadow bucket');
    sections.push(section);
    const key = `${row.model}\u0000${row.version}`;
    byServing.set(key, [...(byServing.get(key) ?? []), section]);
    devices.add(row.deviceId);
    windows += row.windows;
  }
  const totals = sumShadow(sections);
  return totals ? { totals: { ...totals, devices: devices.size, windows }, byServing } : null;
}
