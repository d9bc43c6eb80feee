/**
 * The console's overview (issue 13): the fleet (devices online and offline, versions they run),
 * the rollouts still acting with their progress, open alerts, and the latest audit entries, in a
 * handful of statements whatever the fleet's size (the fleet view is one).
 */
import { listAlerts } from '../../adapters/db/alerts';
import { listAudit } from '../../adapters/db/audit';
import { listFleetRows } from '../../adapters/db/devices';
import { rolloutsInStates } from '../../adapters/db/rollouts';
import { summarizeFleet, type FleetSummary } from '../../core/console/fleet-summary';
import { ACTIVE_STATES } from '../../core/rollouts/controller';
import type { HubContext } from '../context';
import { rolloutView } from '../rollouts/views';

export interface Overview extends FleetSummary {
  rollouts: Array<{ id: string; model: string; version: string; state: string; step: number; steps: number; devices: Record<string, number> }>;
  alerts: { open: number; latest: Array<{ id: string; model: string; version: string; scope: string; severity: string; openedAt: string }> };
  audit: Array<{ id: number; at: string; actor: string; action: string; subject: string }>;
}

/** Shown in full: at most this many open alerts and audit entries. */
const LATEST = 20;

export async function fleetOverview(deps: Pick<HubContext, 'db'>): Promise<Overview> {
  const fleet = summarizeFleet(await listFleetRows(deps.db));
  const rollouts: Overview['rollouts'] = [];
  for (const row of await rolloutsInStates(deps.db, ACTIVE_STATES)) {
    const view = await rolloutView(deps, row.id);
    rollouts.push({ id: view.id, model: view.model, version: view.version, state: view.state, step: view.step, steps: view.plan.steps.length, devices: view.devices });
  }
  const open = await listAlerts(deps.db, { status: 'open', limit: 10_000 });
  const audit = await listAudit(deps.db, undefined, LATEST);
  return {
    ...fleet,
    rollouts,
    alerts: { open: open.length, latest: open.slice(0, LATEST).map((a) => ({ id: a.id, model: a.model, version: a.version, scope: a.scope, severity: a.severity, openedAt: a.openedAt })) },
    audit: audit.map((entry) => ({ id: entry.id, at: entry.at, actor: entry.actor, action: entry.action, subject: entry.subject })),
  };
}
