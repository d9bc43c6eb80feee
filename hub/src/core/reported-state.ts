/** Rules for folding a device's reported state into the registry. */
import type { ReportedState } from '@edgefleet/protocol';

/**
 * THREATS "Bad input": order by seq, not arrival. A report about an older deployment, or an
 * older report about the same one, must not overwrite a newer one.
 */
export function isStaleReport(previous: ReportedState | null, next: ReportedState): boolean {
  if (!previous) return false;
  if (next.seq !== previous.seq) return next.seq < previous.seq;
  return Date.parse(next.at) < Date.parse(previous.at);
}

const refKey = (ref: ReportedState['active']): string => (ref ? `${ref.model}@${ref.version}#${ref.sha256}` : 'none');

/** What changed that an operator cares about (worth an audit row); empty when nothing did. */
export function notableChanges(previous: ReportedState | null, next: ReportedState): string[] {
  const changes: string[] = [];
  if (previous?.phase !== next.phase) changes.push('phase');
  if (refKey(previous?.active ?? null) !== refKey(next.active)) changes.push('active');
  if ((previous?.error?.code ?? null) !== (next.error?.code ?? null)) changes.push('error');
  // A report without the field (an agent older than shadow mode) runs no shadow.
  if (refKey(previous?.shadow ?? null) !== refKey(next.shadow ?? null)) changes.push('shadow');
  return changes;
}

/** What the rollout controller needs of a stored report (core/rollouts/controller.ts DeviceView). */
export interface ReportedSummary {
  seq: number;
  phase: string;
  active: { model: string; version: string } | null;
  error: string | null;
  shadow: { model: string; version: string } | null;
}

const field = (value: unknown, key: string): unknown => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined);
const modelVersion = (value: unknown): { model: string; version: string } | null => {
  const model = field(value, 'model');
  const version = field(value, 'version');
  return typeof model === 'string' && typeof version === 'string' ? { model, version } : null;
};

/**
 * The fields of a stored report the controller reads, each checked for its type; null when the
 * report has no seq and phase. Reports are checked against the protocol's schema before they are
 * stored: this reads 10,000 of them per controller pass without parsing each through it again.
 */
export function summarizeReport(stored: unknown): ReportedSummary | null {
  const seq = field(stored, 'seq');
  const phase = field(stored, 'phase');
  if (typeof seq !== 'number' || typeof phase !== 'string') return null;
  const code = field(field(stored, 'error'), 'code');
  return { seq, phase, active: modelVersion(field(stored, 'active')), error: typeof code === 'string' ? code : null, shadow: modelVersion(field(stored, 'shadow')) };
}
