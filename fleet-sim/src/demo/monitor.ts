/**
 * What the demo shows, read through the admin API only (what the console will read): the
 * rollout (state, steps, device counts, latest gate report), the versions each ring serves,
 * what the browsers of ring `web` serve (the web page's digits model), drift verdicts per
 * version and ring, and the rollout's audit trail, turned into log lines.
 * `poll()` returns a snapshot for the view and the lines that are new since the last poll.
 */
import { z } from 'zod';
import { alertsSchema, auditSchema, devicesSchema, driftSchema, gateSchema, rolloutSchema, type AdminApi, type AlertList, type AuditEntry, type DeviceList, type GateView, type RolloutView } from './api';
import { RINGS } from './fleet';
import { WEB_MODEL, WEB_RING } from './web';

export interface RingRow {
  ring: string;
  devices: number;
  /** devices serving each version of the model */
  serving: Record<string, number>;
  /** devices not serving (installing, offline, no model) */
  other: number;
}

export interface DriftCell {
  version: string;
  ring: string;
  verdict: string;
  n: number;
  drifting: string[];
}

/** The browsers of ring `web` and the versions of the web page's model they serve. */
export interface WebRow {
  devices: number;
  online: number;
  serving: Record<string, number>;
  /** not serving it (no model yet, installing, offline) */
  other: number;
}

export interface Snapshot {
  at: Date;
  rollout: RolloutView | null;
  /** the agents' rings (ring `web` is in `web`) */
  rings: RingRow[];
  web: WebRow;
  drift: DriftCell[];
  /** the model's open drift alerts (the hub's drift job, every drift period) */
  alerts: AlertList;
}

export interface MonitorTarget {
  model: string;
  versions: readonly string[];
  rolloutId: string | null;
  /** drift over statistics since this time (the demo's start) */
  since: Date;
}

export class Monitor {
  private readonly seenAudit = new Set<number>();
  private readonly lastServing = new Map<string, string>();
  /** browsers seen so far, with the version of the web page's model each served last ('' = none yet) */
  private readonly browsers = new Map<string, string>();
  /** open alerts already told in the log */
  private readonly seenAlerts = new Set<string>();

  constructor(
    private readonly api: AdminApi,
    private readonly target: () => MonitorTarget,
  ) {}

  async poll(): Promise<{ snapshot: Snapshot; lines: string[] }> {
    const target = this.target();
    const lines: string[] = [];
    const [rollout, { devices }] = await Promise.all([target.rolloutId ? this.api.get(`/api/v1/rollouts/${target.rolloutId}`, rolloutSchema) : Promise.resolve(null), this.api.get('/api/v1/devices', devicesSchema)]);
    if (target.rolloutId) lines.push(...(await this.auditLines(target.rolloutId)));
    lines.push(...this.switchLines(target, devices), ...this.browserLines(devices));
    const [drift, { alerts }] = await Promise.all([this.drift(target), this.api.get(`/api/v1/alerts?status=open&model=${encodeURIComponent(target.model)}`, alertsSchema)]);
    lines.push(...this.alertLines(alerts));
    return { snapshot: { at: new Date(), rollout, rings: ringRows(target.model, devices), web: webRow(devices), drift, alerts }, lines };
  }

  private async drift(target: MonitorTarget): Promise<DriftCell[]> {
    const from = encodeURIComponent(target.since.toISOString());
    const cells = target.versions.flatMap((version) => RINGS.map((ring) => ({ version, ring })));
    return Promise.all(
      cells.map(async ({ version, ring }) => {
        const view = await this.api.get(`/api/v1/models/${target.model}/versions/${version}/drift?ring=${ring}&from=${from}`, driftSchema);
        return { version, ring, verdict: view.verdict, n: view.report?.n ?? 0, drifting: view.report?.drifting ?? [] };
      }),
    );
  }

  /** "DRIFT ALERT opened on 2: ...": alerts the drift job opened since the last poll. */
  private alertLines(alerts: AlertList): string[] {
    const fresh = alerts.filter((a) => !this.seenAlerts.has(a.id));
    for (const a of fresh) this.seenAlerts.add(a.id);
    return fresh.map((a) => `DRIFT ALERT opened on version ${a.version}: ${a.severity} on ${a.signals.join(', ') || 'no signal named'} (GET /api/v1/alerts/${a.id})`);
  }

  /** New audit entries of the rollout, oldest first. */
  private async auditLines(rolloutId: string): Promise<string[]> {
    const { entries } = await this.api.get(`/api/v1/audit?subject=${encodeURIComponent(`rollout:${rolloutId}`)}&limit=100`, auditSchema);
    const fresh = entries.filter((e) => !this.seenAudit.has(e.id)).reverse();
    for (const e of fresh) this.seenAudit.add(e.id);
    return fresh.map(describeAudit);
  }

  /** "canary-01, canary-02 now serve 2": devices whose served version changed since the last poll. */
  private switchLines(target: MonitorTarget, devices: DeviceList): string[] {
    const now = new Map<string, string>();
    for (const d of devices) {
      const active = d.state?.active;
      if (active?.model === target.model && d.state?.phase === 'serving') now.set(d.id, active.version);
    }
    const moved = new Map<string, string[]>();
    // Only moves from one version to another: a device's first model is the demo's own setup
    // (it logs that), every later move is the rollout's or a rollback's doing.
    if (target.rolloutId !== null) {
      for (const [id, version] of now) {
        const before = this.lastServing.get(id);
        if (before !== undefined && before !== version) moved.set(version, [...(moved.get(version) ?? []), id]);
      }
    }
    // A device caught mid-install keeps its last known version, so its move is still seen.
    for (const [id, version] of now) this.lastServing.set(id, version);
    return [...moved].map(([version, ids]) => `${ids.length} device${ids.length === 1 ? '' : 's'} now serve${ids.length === 1 ? 's' : ''} ${version}: ${listed(ids)}`);
  }

  /** "web-abc... joined ring web", "web-abc... now serves digits 2": browsers coming and switching. */
  private browserLines(devices: DeviceList): string[] {
    const lines: string[] = [];
    for (const d of devices) {
      if (d.ring !== WEB_RING) continue;
      const active = d.state?.active;
      const version = d.state?.phase === 'serving' && active?.model === WEB_MODEL ? active.version : null;
      const before = this.browsers.get(d.id);
      if (before === undefined) lines.push(`${d.id} joined ring ${WEB_RING} (a browser, with the web page's link)`);
      if (version !== null && version !== before) lines.push(`${d.id} now serves ${WEB_MODEL} ${version} (in the browser)`);
      if (version !== null || before === undefined) this.browsers.set(d.id, version ?? '');
    }
    return lines;
  }
}

function listed(ids: readonly string[]): string {
  return ids.length <= 6 ? ids.join(', ') : `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more`;
}

/** What each ring serves of `model`: the agents' rings, then any other ring but `web` (webRow). */
export function ringRows(model: string, devices: DeviceList): RingRow[] {
  const known: string[] = [...RINGS, ...new Set(devices.map((d) => d.ring).filter((r) => r !== WEB_RING && !(RINGS as readonly string[]).includes(r)))];
  return known.map((ring) => {
    const inRing = devices.filter((d) => d.ring === ring);
    const serving: Record<string, number> = {};
    let other = 0;
    for (const d of inRing) {
      const active = d.state?.active;
      if (d.state?.phase === 'serving' && active?.model === model) serving[active.version] = (serving[active.version] ?? 0) + 1;
      else other++;
    }
    return { ring, devices: inRing.length, serving, other };
  });
}

export function webRow(devices: DeviceList): WebRow {
  const row: WebRow = { devices: 0, online: 0, serving: {}, other: 0 };
  for (const d of devices) {
    if (d.ring !== WEB_RING) continue;
    row.devices++;
    if (d.online) row.online++;
    const active = d.state?.active;
    if (d.state?.phase === 'serving' && active?.model === WEB_MODEL) row.serving[active.version] = (row.serving[active.version] ?? 0) + 1;
    else row.other++;
  }
  return row;
}

const stepDetails = z.looseObject({
  step: z.number().optional(),
  kind: z.string().optional(),
  manual: z.boolean().optional(),
  reason: z.string().optional(),
  devices: z.number().optional(),
  serving: z.number().optional(),
  autoRollback: z.boolean().optional(),
  gate: gateSchema.optional(),
  evidence: gateSchema.optional(),
  warning: z.string().optional(),
});

/** One log line per audit entry of a rollout. */
export function describeAudit(entry: AuditEntry): string {
  const d = stepDetails.safeParse(entry.details ?? {});
  const details = d.success ? d.data : {};
  const step = details.step === undefined ? '' : `step ${details.step}`;
  switch (entry.action) {
    case 'rollout.created':
      return `rollout created by ${entry.actor}`;
    case 'rollout.step.completed':
      return `${step} (${details.kind ?? '?'}) done${details.manual ? ' (manual advance)' : details.gate ? `: gate passed: ${gateSummary(details.gate)}` : ''}`;
    case 'rollout.halted': {
      // A failed gate's reason repeats every metric's evidence; the view shows that report, the log names the metrics.
      const failed = details.evidence?.metrics.filter((m) => m.outcome === 'fail').map((m) => m.metric);
      const reason = failed && failed.length > 0 ? `gate failed on ${failed.join(', ')} (evidence in the gate report)` : (details.reason ?? 'no reason given');
      return `HALTED at ${step}: ${reason}${details.autoRollback ? ' -> automatic rollback' : ''}`;
    }
    case 'rollout.rolled-back':
      return `ROLLED BACK: ${details.devices ?? '?'} devices sent back to their previous version`;
    case 'rollout.step.empty':
      return `WARNING ${details.warning ?? `${step} took no device`}`;
    case 'rollout.completed':
      return `COMPLETED: ${details.serving ?? '?'} of ${details.devices ?? '?'} devices serve the new version`;
    default:
      return `${entry.action} by ${entry.actor}`;
  }
}

const short = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : Number(x.toPrecision(2)).toString());

/** "error-rate 0 (control 0.001), input-drift ok, ...": each metric's value beside its control group's. */
export function gateSummary(gate: GateView): string {
  return gate.metrics
    .map((m) => {
      if (m.outcome !== 'pass') return `${m.metric} ${m.outcome}`;
      if (m.metric === 'input-drift' || m.metric === 'prediction-drift') return `${m.metric} ok`;
      const unit = m.metric === 'latency-p95' ? ' ms' : '';
      return `${m.metric} ${m.value === null ? 'n/a' : short(m.value)}${unit}${m.control === null ? '' : ` (control ${short(m.control)}${unit})`}`;
    })
    .join(', ');
}
