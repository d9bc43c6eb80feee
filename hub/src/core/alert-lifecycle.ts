/**
 * What one drift evaluation does to a version's alert: open one, escalate or update the open
 * one, count quiet evaluations towards resolving it, or resolve it. Pure: the service stores the
 * outcome and queues the notification in one transaction.
 */

export type AlertSeverity = 'warning' | 'drift';

export interface OpenAlertState {
  severity: AlertSeverity;
  signals: string[];
  alarmingEvaluations: number;
  quietEvaluations: number;
}

export interface AlertFinding {
  /** null when the evaluation found nothing persistent */
  severity: AlertSeverity | null;
  signals: string[];
}

export interface AlertPolicy {
  /** quiet evaluations in a row that resolve an open alert (default 3) */
  resolveAfter: number;
}

export const DEFAULT_ALERT_POLICY: AlertPolicy = { resolveAfter: 3 };

export type AlertTransition =
  | { action: 'none' }
  | { action: 'open'; state: OpenAlertState; notify: 'alert.opened' }
  /** severity rose, or new signals joined: worth telling someone */
  | { action: 'update'; state: OpenAlertState; notify: 'alert.escalated' | null }
  | { action: 'resolve'; notify: 'alert.resolved' };

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

export function alertTransition(open: OpenAlertState | null, finding: AlertFinding, policy: AlertPolicy = DEFAULT_ALERT_POLICY): AlertTransition {
  const signals = [...finding.signals].sort();
  if (!open) {
    if (finding.severity === null) return { action: 'none' };
    return { action: 'open', state: { severity: finding.severity, signals, alarmingEvaluations: 1, quietEvaluations: 0 }, notify: 'alert.opened' };
  }
  if (finding.severity === null) {
    const quiet = open.quietEvaluations + 1;
    if (quiet >= policy.resolveAfter) return { action: 'resolve', notify: 'alert.resolved' };
    return { action: 'update', state: { ...open, quietEvaluations: quiet }, notify: null };
  }
  // A drift alert that calms to warning stays a drift alert until it resolves: no flapping.
  const severity: AlertSeverity = open.severity === 'drift' || finding.severity === 'drift' ? 'drift' : 'warning';
  const escalated = severity !== open.severity || signals.some((s) => !open.signals.includes(s));
  const merged = escalated ? [...new Set([...open.signals, ...signals])].sort() : open.signals;
  return {
    action: 'update',
    state: { severity, signals: sameSet(merged, open.signals) ? open.signals : merged, alarmingEvaluations: open.alarmingEvaluations + 1, quietEvaluations: 0 },
    notify: escalated ? 'alert.escalated' : null,
  };
}
