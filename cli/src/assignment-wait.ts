/**
 * `devices assign --wait`: whether a device's reported state shows the assignment done. Pure.
 * The agent reports the seq of the newest deployment doc it handled; only a report at or past the
 * assignment's seq says anything about it (an older one may still show the previous version).
 */
export interface ReportedState {
  seq: number;
  phase: string;
  active: { model: string; version: string } | null;
  shadow?: { model: string; version: string } | null;
  error: { code: string; message: string } | null;
}

export interface WantedAssignment {
  model: string;
  version: string;
  seq: number;
  shadow: { model: string; version: string } | null;
}

export type AssignmentProgress = { done: true } | { done: false; failed: string | null; waitingFor: string };

const same = (a: { model: string; version: string } | null | undefined, b: { model: string; version: string }): boolean => a?.model === b.model && a.version === b.version;

export function assignmentProgress(state: ReportedState | null, wanted: WantedAssignment): AssignmentProgress {
  if (!state) return { done: false, failed: null, waitingFor: 'the device to report its state (is its agent running?)' };
  if (state.seq < wanted.seq) return { done: false, failed: null, waitingFor: `the device to take deployment seq ${wanted.seq} (it reported ${state.seq})` };
  // The agent keeps serving what it had when an install fails: the error is the answer.
  if (state.error && !same(state.active, wanted)) return { done: false, failed: `${state.error.code} ${state.error.message}`, waitingFor: '' };
  if (!same(state.active, wanted) || state.phase !== 'serving') return { done: false, failed: null, waitingFor: `the device to serve ${wanted.model}@${wanted.version} (now ${state.phase})` };
  if (wanted.shadow && !same(state.shadow, wanted.shadow)) return { done: false, failed: null, waitingFor: `the shadow ${wanted.shadow.model}@${wanted.shadow.version} to load` };
  return { done: true };
}
