/**
 * What a device does when the reconcile loop gives an install up (its retries spent, or a bad
 * model): a shadow install is dropped and reported as a `shadow-failed` event, never touching
 * what serves; any other install is recorded as the doc's failure (persisted, so the planner
 * waits for a newer doc instead of looping), set as the reported error and an `install-failed`
 * event, while the serving model keeps answering. Shared by every device runtime.
 */
import type { DeviceEvent, ReportedError } from '@edgefleet/protocol';
import type { CoreLogger, RuntimeFailure } from '../runtime/ports';
import { refOf, type Activity, type PersistedState } from '../state/device-state';
import { isShadowInstallStep, type Step } from './plan';

/** The device state an install failure changes. */
export interface InstallTarget {
  readonly persisted: PersistedState;
  /** the shadow given up on for one doc (in memory) */
  shadowFailure: { seq: number; sha256: string } | null;
  readonly shadow: { model: { retire(): Promise<void> } } | null;
  setShadow(shadow: null): void;
  update(change: (current: PersistedState) => PersistedState): Promise<void>;
  setError(error: ReportedError | null): void;
  emit(kind: DeviceEvent['kind'], fields?: Pick<DeviceEvent, 'seq' | 'model' | 'error'>): unknown;
  setActivity(activity: Activity): void;
  report(): unknown;
}

export async function giveUpInstall<E extends RuntimeFailure>(step: Step & { seq: number }, error: E, target: InstallTarget, deps: { reportable(error: E): ReportedError; logger: CoreLogger }): Promise<void> {
  const failure = deps.reportable(error);
  if (isShadowInstallStep(step)) {
    target.shadowFailure = { seq: step.seq, sha256: step.release.artifact.sha256 };
    const shadow = target.shadow;
    target.setShadow(null);
    target.emit('shadow-failed', { seq: step.seq, model: refOf(step.release), error: failure });
    target.report();
    await shadow?.model.retire();
    return;
  }
  const release = 'release' in step ? step.release : target.persisted.desired?.release.manifest;
  // The old session keeps serving; lastSeq stays at this doc, so no retry loop on a bad model.
  await target
    .update((state) => ({ ...state, failure: { seq: step.seq, sha256: release?.artifact.sha256 ?? '', error: failure, transient: error.transient } }))
    .catch((commitError: unknown) => deps.logger.error('could not persist install failure', { error: commitError }));
  target.setError(failure);
  target.emit('install-failed', { seq: step.seq, model: release ? refOf(release) : null, error: failure });
  target.setActivity({ kind: 'settled' });
  target.report();
}
