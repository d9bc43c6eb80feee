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
