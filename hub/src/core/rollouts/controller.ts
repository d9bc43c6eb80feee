/**
 * The rollout controller (ROLLOUTS.md "What happens"): one pure function from (plan, status,
 * observations, now) to (status, assignments to publish, events). It is safe to run twice and
 * after a restart: membership comes from a stable hash, statuses from what devices report, and
 * an assignment is asked for only when a device's desired state differs from what it should be.
 */
import type { GateReport } from './gates';
import { ringStepIncludes, trafficShareOf, type RingStep, type RolloutPlan } from './plan';
import { emptyStepReason, stepWarning } from './step-coverage';

export type RolloutState = 'running' | 'paused' | 'completed' | 'halted' | 'rolled-back' | 'aborted' | 'superseded';
export const ACTIVE_STATES: readonly RolloutState[] = ['running', 'paused', 'halted'];

export type MemberStatus = 'pending' | 'offline' | 'downloading' | 'serving' | 'failed' | 'timed-out' | 'detached' | 'reverting' | 'reverted' | 'kept';

export interface ModelVersion {
  model: string;
  version: string;
}

export interface RolloutStatus {
  state: RolloutState;
  /** index of the current step; steps.length once completed */
  step: number;
  stepStartedAt: string;
  /** a manual advance: the current step's wait is skipped once */
  advance: boolean;
  halt: { reason: string; at: string; evidence?: unknown } | null;
  /** the touched devices were sent back to their previous version (rollback, or abort with revert) */
  reverted: boolean;
}

export interface RolloutMember {
  deviceId: string;
  /** the ring step that added it (or promoted it from shadow) */
  step: number;
  /**
   * `shadow`: it runs the rollout's version beside what it serves (a shadow ring step), and lets
   * it answer a share of its requests when its step is a traffic step (ramp-up)
   */
  mode: 'active' | 'shadow';
  /** what it was assigned before the rollout (its rollback target), null when nothing */
  previous: ModelVersion | null;
  /** seq of the deployment doc the rollout issued; null until the service has issued it */
  assignedSeq: number | null;
  assignedAt: string;
  status: MemberStatus;
  error: string | null;
}

export interface DeviceView {
  id: string;
  ring: string;
  tags: Record<string, string>;
  online: boolean;
  assignment: (ModelVersion & { seq: number }) | null;
  reported: { seq: number; phase: string; active: ModelVersion | null; error: string | null; shadow?: ModelVersion | null } | null;
}

export interface RolloutInput {
  id: string;
  model: string;
  version: string;
  plan: RolloutPlan;
}

export interface Observations {
  devices: readonly DeviceView[];
  /** the current gate step's report (computed by the service from statistics), null otherwise */
  gate: GateReport | null;
  /** devices reporting statistics on the new version since the current step began (bake) */
  reportingDevices: number;
  /**
   * Rollback targets of devices that a rollout this one superseded, of the same version, had
   * already moved: device id -> what it ran before that rollout. Such a device joins already
   * assigned the target, and without this it would have nothing to revert to.
   */
  inherited?: ReadonlyMap<string, ModelVersion>;
  now: Date;
}

export interface Assignment extends ModelVersion {
  deviceId: string;
  reason: 'rollout' | 'rollback';
  /** a shadow step: the device keeps serving `model@version` and runs this beside it */
  shadow?: ModelVersion;
  /** a traffic step: the share of requests (0..1) the shadow answers instead of `model@version` */
  trafficShare?: number;
}

export interface ControllerEvent {
  action: string;
  details: Record<string, unknown>;
  /** halts and rollbacks also go to the alert webhook */
  notify: boolean;
}

export interface ReconcileResult {
  status: RolloutStatus;
  members: RolloutMember[];
  assignments: Assignment[];
  events: ControllerEvent[];
}

const INSTALLING = new Set(['downloading', 'verifying', 'loading', 'probing']);
const same = (a: ModelVersion | null | undefined, b: ModelVersion | null | undefined): boolean => !!a && !!b && a.model === b.model && a.version === b.version;
const MINUTE_MS = 60_000;

/** Where one member stands, from what its device reports (never from what we hoped). */
export function memberStatus(member: RolloutMember, device: DeviceView | undefined, target: ModelVersion, deadlineMinutes: number, now: Date, reverting: boolean): { status: MemberStatus; error: string | null } {
  if (!device) return { status: 'detached', error: 'device removed' };
  const wanted = reverting ? member.previous : target;
  // Someone pinned the device elsewhere after the rollout did: the rollout lets go of it.
  if (member.assignedSeq !== null && device.assignment && device.assignment.seq > member.assignedSeq && !same(device.assignment, target) && !same(device.assignment, member.previous)) {
    return { status: 'detached', error: `re-pinned to ${device.assignment.model}@${device.assignment.version}` };
  }
  if (reverting) {
    if (!wanted) return { status: 'kept', error: 'nothing to revert to' };
    return same(device.reported?.active, wanted) && device.reported?.phase === 'serving' ? { status: 'reverted', error: null } : { status: 'reverting', error: null };
  }
  const reported = device.reported;
  // A shadow member "serves" once it runs the candidate beside its model (the agent never lets a
  // shadow change its phase, so a shadow that fails to load shows as one that never arrives).
  if (member.mode === 'shadow') {
    if (reported && same(reported.shadow, target)) return { status: 'serving', error: null };
  } else if (reported && same(reported.active, target) && reported.phase === 'serving') return { status: 'serving', error: null };
  const actedOn = member.assignedSeq !== null && reported !== null && reported.seq >= member.assignedSeq;
  if (actedOn && reported.error && member.mode === 'active') return { status: 'failed', error: reported.error };
  if (actedOn && INSTALLING.has(reported.phase)) return { status: 'downloading', error: null };
  if (now.getTime() - Date.parse(member.assignedAt) > deadlineMinutes * MINUTE_MS) return { status: 'timed-out', error: `not serving ${target.version} ${deadlineMinutes} min after assignment` };
  return { status: device.online ? 'pending' : 'offline', error: null };
}

export interface StepCounts {
  total: number;
  serving: number;
  failed: number;
  timedOut: number;
  pending: number;
  offline: number;
  downloading: number;
}

export function countMembers(members: readonly RolloutMember[]): StepCounts {
  const counts: StepCounts = { total: 0, serving: 0, failed: 0, timedOut: 0, pending: 0, offline: 0, downloading: 0 };
  for (const m of members) {
    if (m.status === 'detached' || m.status === 'kept') continue;
    counts.total++;
    if (m.status === 'serving') counts.serving++;
    else if (m.status === 'failed') counts.failed++;
    else if (m.status === 'timed-out') counts.timedOut++;
    else if (m.status === 'offline') counts.offline++;
    else if (m.status === 'downloading') counts.downloading++;
    else counts.pending++;
  }
  return counts;
}

/** The latest ring step at or before `step`, whose thresholds govern the devices so far. */
function governingRing(plan: RolloutPlan, step: number): RingStep | null {
  for (let i = Math.min(step, plan.steps.length - 1); i >= 0; i--) {
    const s = plan.steps[i];
    if (s?.kind === 'ring') return s;
  }
  return null;
}

/** Assignments that put every touched device back on what it had. */
export function rollbackAssignments(members: readonly RolloutMember[]): Assignment[] {
  return members.filter((m) => m.previous && m.status !== 'detached').map((m) => ({ deviceId: m.deviceId, model: (m.previous as ModelVersion).model, version: (m.previous as ModelVersion).version, reason: 'rollback' as const }));
}

export function reconcile(rollout: RolloutInput, current: RolloutStatus, currentMembers: readonly RolloutMember[], obs: Observations): ReconcileResult {
  const now = obs.now;
  const iso = now.toISOString();
  const target: ModelVersion = { model: rollout.model, version: rollout.version };
  const byId = new Map(obs.devices.map((d) => [d.id, d]));
  const events: ControllerEvent[] = [];
  const assignments: Assignment[] = [];
  let status: RolloutStatus = { ...current };
  const reverting = status.reverted;

  // 1. Statuses from reports.
  let members = currentMembers.map((m): RolloutMember => {
    const ring = rollout.plan.steps[m.step];
    const deadline = ring?.kind === 'ring' ? ring.deadlineMinutes : 60;
    const { status: next, error } = m.status === 'detached' ? { status: m.status, error: m.error } : memberStatus(m, byId.get(m.deviceId), target, deadline, now, reverting);
    return { ...m, status: next, error };
  });
  const finished = status.state === 'rolled-back' || status.state === 'aborted' || status.state === 'superseded';
  if (finished || status.state === 'paused' || status.state === 'halted') return { status, members, assignments, events };

  // 2. Membership: every device the reached ring steps select (late enrolments included), if
  //    it runs this model or nothing, joins with what it had as its rollback target.
  const reachedRings = rollout.plan.steps.map((s, i) => ({ s, i })).filter(({ s, i }) => s.kind === 'ring' && i <= status.step);
  // Indexed by device, not searched: a pass covers every device of a 10,000-device fleet.
  const known = new Map(members.map((m, index) => [m.deviceId, index]));
  // A device moved twice in one pass (a late joiner of a shadow step that a later step promotes
  // or raises) gets one doc: the last wanted state.
  const asking = new Map<string, number>();
  const ask = (a: Assignment): void => {
    const at = asking.get(a.deviceId);
    if (at === undefined) {
      asking.set(a.deviceId, assignments.length);
      assignments.push(a);
    } else assignments[at] = a;
  };
  /** The doc of a member that runs the new version beside `previous` (shadow, or traffic at its step's share). */
  const beside = (deviceId: string, previous: ModelVersion, step: number): Assignment => {
    const share = trafficShareOf(rollout.plan, step);
    return { deviceId, ...previous, shadow: target, ...(share === undefined ? {} : { trafficShare: share }), reason: 'rollout' };
  };
  const join = (): void => {
    for (const { s, i } of reachedRings) {
      if (s.kind !== 'ring') continue;
      for (const device of obs.devices) {
        if (!ringStepIncludes(s, device)) continue;
        const index = known.get(device.id);
        if (index !== undefined) {
          // A full ring step over a device that ran the version as a shadow promotes it; a traffic
          // step with a higher share than the member's raises it (ramp-up).
          const member = members[index];
          const besideStep = s.shadow || s.traffic !== undefined;
          if (!besideStep && member?.mode === 'shadow') {
            members[index] = { ...member, mode: 'active', step: i, assignedSeq: null, assignedAt: iso, status: 'pending', error: null };
            ask({ deviceId: device.id, ...target, reason: 'rollout' });
          } else if (s.traffic !== undefined && member?.mode === 'shadow' && member.previous && (trafficShareOf(rollout.plan, member.step) ?? 0) < s.traffic / 100) {
            members[index] = { ...member, step: i, assignedSeq: null, assignedAt: iso, status: 'pending', error: null };
            ask(beside(device.id, member.previous, i));
          }
          continue;
        }
        if (device.assignment && device.assignment.model !== rollout.model) continue;
        if (s.shadow || s.traffic !== undefined) {
          // Shadowing needs a model to serve beside it; a device on the target already has nothing to compare.
          if (!device.assignment || same(device.assignment, target)) continue;
          known.set(device.id, members.length);
          const serving = { model: device.assignment.model, version: device.assignment.version };
          members.push({ deviceId: device.id, step: i, mode: 'shadow', previous: serving, assignedSeq: null, assignedAt: iso, status: 'pending', error: null });
          ask(beside(device.id, serving, i));
          continue;
        }
        known.set(device.id, members.length);
        // On the target already through a superseded rollout: that rollout's doc is the one it
        // acts on (so its failures count here), and what it ran before is the rollback target.
        const inherited = device.assignment && same(device.assignment, target) ? obs.inherited?.get(device.id) : undefined;
        const previous = device.assignment && !same(device.assignment, target) ? { model: device.assignment.model, version: device.assignment.version } : inherited ?? null;
        members.push({ deviceId: device.id, step: i, mode: 'active', previous, assignedSeq: inherited && device.assignment ? device.assignment.seq : null, assignedAt: iso, status: 'pending', error: null });
        if (!same(device.assignment, target)) ask({ deviceId: device.id, ...target, reason: 'rollout' });
      }
    }
  };
  join();
  // A member whose doc was never issued (the hub stopped in between) is asked for again.
  const asked = new Set(assignments.map((a) => a.deviceId));
  for (const m of members) {
    if (m.assignedSeq !== null || asked.has(m.deviceId)) continue;
    if (m.mode === 'shadow' && m.previous) assignments.push(beside(m.deviceId, m.previous, m.step));
    else if (m.mode === 'active' && !same(byId.get(m.deviceId)?.assignment, target)) assignments.push({ deviceId: m.deviceId, ...target, reason: 'rollout' });
  }
  if (status.state === 'completed') return { status, members, assignments, events };

  const halt = (reason: string, evidence?: unknown): ReconcileResult => {
    const rollback = rollout.plan.autoRollback;
    status = { ...status, state: rollback ? 'rolled-back' : 'halted', halt: { reason, at: iso, ...(evidence !== undefined ? { evidence } : {}) }, advance: false, reverted: rollback };
    events.push({ action: 'rollout.halted', details: { step: status.step, reason, autoRollback: rollback, ...(evidence !== undefined ? { evidence } : {}) }, notify: true });
    if (rollback) {
      const back = rollbackAssignments(members);
      // Devices that never got the new version need nothing; the rest are reverted.
      members = members.map((m) => ({ ...m, status: m.previous ? 'reverting' : 'kept' }));
      events.push({ action: 'rollout.rolled-back', details: { step: status.step, devices: back.length, reason }, notify: true });
      return { status, members, assignments: back, events };
    }
    return { status, members, assignments, events };
  };

  // 3. Steps, as far as they go this tick.
  for (let guard = 0; guard <= rollout.plan.steps.length; guard++) {
    const ring = governingRing(rollout.plan, status.step);
    const counts = countMembers(members);
    if (ring && counts.total > 0 && (counts.failed + counts.timedOut) / counts.total > ring.maxFailures) {
      return halt(`${counts.failed} failed and ${counts.timedOut} timed-out of ${counts.total} devices exceed the error threshold of ${Math.round(ring.maxFailures * 100)}%`, { counts });
    }
    const step = rollout.plan.steps[status.step];
    if (!step) {
      status = { ...status, state: 'completed', advance: false };
      events.push({ action: 'rollout.completed', details: { devices: counts.total, serving: counts.serving }, notify: false });
      break;
    }
    const elapsedMs = now.getTime() - Date.parse(status.stepStartedAt);
    let done = status.advance;
    if (!done) {
      if (step.kind === 'ring') {
        const pendingLeft = counts.pending + counts.offline + counts.downloading;
        done = counts.total === 0 || counts.serving >= Math.ceil(step.successThreshold * counts.total);
        if (!done && pendingLeft === 0) return halt(`${counts.serving} of ${counts.total} devices serve ${rollout.version}: below the success threshold of ${Math.round(step.successThreshold * 100)}% with none left to converge`, { counts });
      } else if (step.kind === 'bake') {
        done = elapsedMs >= step.minutes * MINUTE_MS && obs.reportingDevices >= step.minReporting;
      } else if (step.kind === 'gate') {
        const gate = obs.gate;
        if (gate?.verdict === 'fail') return halt(`gate failed: ${gate.failed.join(', ')}`, gate);
        if (gate?.verdict === 'pass') done = true;
        else if (elapsedMs >= step.deadlineMinutes * MINUTE_MS) return halt(`gate inconclusive after ${step.deadlineMinutes} min: ${gate?.inconclusive.join(', ') || 'no data'}`, gate ?? undefined);
      }
      // approve: waits for a manual advance
    }
    if (!done) break;
    const manual = status.advance;
    // A ring step that took no device of its own would otherwise pass unnoticed (`devices: {}`).
    if (step.kind === 'ring' && !members.some((m) => m.step === status.step)) {
      const joined = new Set(members.map((m) => m.deviceId));
      const reason = emptyStepReason(step, obs.devices, target, joined) ?? 'no device joined it';
      const warning = stepWarning(status.step, step, reason);
      events.push({ action: 'rollout.step.empty', details: { step: status.step, ring: step.ring, percent: step.percent, reason, warning: warning.message }, notify: false });
    }
    status = { ...status, step: status.step + 1, stepStartedAt: iso, advance: false };
    events.push({ action: 'rollout.step.completed', details: { step: status.step - 1, kind: step.kind, manual, ...(step.kind === 'gate' && obs.gate ? { gate: obs.gate } : {}) }, notify: false });
    const next = rollout.plan.steps[status.step];
    if (next?.kind === 'ring') {
      reachedRings.push({ s: next, i: status.step });
      join();
    }
    // A gate's report belongs to the step it was computed for.
    obs = { ...obs, gate: null };
  }
  return { status, members, assignments, events };
}
