/** Readable views of rollouts: the list, one rollout step by step, and the one-line state a watch prints. Pure. */
import type { Rollout } from '../api-types';
import { counts, keyValues, num, table, time, shortTime, wrap } from '../output';

type PlanStep = Rollout['plan']['steps'][number];
type GateReport = NonNullable<Rollout['gate']>;

export const TERMINAL_STATES: ReadonlySet<string> = new Set(['completed', 'rolled-back', 'aborted', 'superseded']);
/** States a watch stops at: the terminal ones, and halted, which waits for a person. */
export const isSettled = (state: string): boolean => TERMINAL_STATES.has(state) || state === 'halted';

export function stepTarget(step: PlanStep): string {
  switch (step.kind) {
    case 'ring':
      return `${step.ring === '*' ? 'fleet' : `ring ${step.ring}`}${step.percent !== undefined && step.percent < 100 ? ` ${step.percent}%` : ''}${step.tags && Object.keys(step.tags).length > 0 ? ` tags ${Object.entries(step.tags).map(([k, v]) => `${k}=${v}`).join(',')}` : ''}${step.shadow ? ' (shadow)' : ''}`;
    case 'bake':
      return `${num(step.minutes)} min${step.minReporting === undefined ? '' : `, ${step.minReporting} reporting`}`;
    case 'gate':
      return step.metrics.map((m) => m.metric).join(', ');
    case 'approve':
      return step.note ?? 'waits for advance';
  }
}

/** `step 2/7 approve` or `completed` */
function stepText(r: Rollout): string {
  const total = r.plan.steps.length;
  const step = r.plan.steps[r.step];
  return step ? `step ${r.step + 1}/${total} ${step.kind} ${stepTarget(step)}` : `all ${total} steps done`;
}

export function rolloutsTable(rollouts: readonly Rollout[], width: number): string[] {
  if (rollouts.length === 0) return ['No rollouts.'];
  return table(
    ['ID', 'VERSION', 'STATE', 'STEP', 'DEVICES', 'CREATED'],
    rollouts.map((r) => [r.id.slice(0, 8), `${r.model}@${r.version}`, r.state, `${Math.min(r.step + 1, r.plan.steps.length)}/${r.plan.steps.length}`, counts(r.devices), shortTime(r.createdAt)]),
    { width },
  );
}

export function gateLines(gate: GateReport, width: number): string[] {
  return table(
    ['METRIC', 'OUTCOME', 'VALUE', 'CONTROL', 'EVIDENCE'],
    gate.metrics.map((m) => [m.metric, m.outcome, num(m.value), num(m.control), m.evidence]),
    { width },
  );
}

/** Warnings the hub may add to a rollout (newer hubs): strings, or objects with a message. */
export function warningsOf(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || !('warnings' in value) || !Array.isArray(value.warnings)) return [];
  return value.warnings.map((w: unknown) => (typeof w === 'string' ? w : typeof w === 'object' && w !== null && 'message' in w && typeof w.message === 'string' ? w.message : JSON.stringify(w)));
}

export function rolloutView(r: Rollout, width: number): string[] {
  const lines = keyValues(
    [
      ['id', r.id],
      ['version', `${r.model}@${r.version}`],
      ['state', `${r.state}${r.reverted ? ' (devices reverted)' : ''}`],
      ['at', stepText(r)],
      ['devices', counts(r.devices)],
      ['auto rollback', r.plan.autoRollback === false ? 'no' : 'yes'],
      ...(r.halt ? ([['halted', `${r.halt.reason} (${time(r.halt.at)})`]] as const) : []),
      ...(r.supersedes ? ([['supersedes', r.supersedes]] as const) : []),
      ...(r.supersededBy ? ([['superseded by', r.supersededBy]] as const) : []),
      ['created', `${time(r.createdAt)} by ${r.createdBy}`],
      ['updated', time(r.updatedAt)],
    ],
    width,
  );
  lines.push(
    '',
    ...table(
      ['#', 'KIND', 'TARGET', 'STATE', 'DEVICES'],
      r.steps.map((s) => {
        const planned = r.plan.steps[s.index];
        return [String(s.index + 1), s.kind, planned ? stepTarget(planned) : '-', s.state, s.devices ? counts(s.devices) : ''];
      }),
      { width, right: [0] },
    ),
  );
  if (r.gate) lines.push('', `Latest gate: ${r.gate.verdict}`, ...gateLines(r.gate, width));
  for (const warning of warningsOf(r)) lines.push(...wrap(`warning: ${warning}`, width));
  return lines;
}

/** A plan's steps as `rollouts show` numbers them: what a dry run would start. */
export function planTable(steps: readonly PlanStep[], width: number): string[] {
  return table(
    ['#', 'KIND', 'TARGET'],
    steps.map((step, i) => [String(i + 1), step.kind, stepTarget(step)]),
    { width, right: [0] },
  );
}

/** What a watch prints when something changed: state, step and device counts. */
export function watchLine(r: Rollout): string {
  return `${r.state.padEnd(11)} ${stepText(r)} | devices: ${counts(r.devices)}`;
}

/** A hint for a rollout that waits for a person. */
export function waitingHint(r: Rollout): string | null {
  if (r.state === 'paused') return `paused: resume with  edgefleet rollouts resume ${r.id}`;
  if (r.state === 'running' && r.plan.steps[r.step]?.kind === 'approve') return `waiting for approval: edgefleet rollouts advance ${r.id}`;
  return null;
}

export function outcomeLine(r: Rollout): string {
  switch (r.state) {
    case 'completed':
      return `Rollout ${r.id} completed: ${r.model}@${r.version} reached every step.`;
    case 'halted':
      return `Rollout ${r.id} halted at step ${r.step + 1}: ${r.halt?.reason ?? 'no reason given'}. Resume, abort or roll it back.`;
    default:
      return `Rollout ${r.id} ended ${r.state}${r.halt ? `: ${r.halt.reason}` : ''}.`;
  }
}
