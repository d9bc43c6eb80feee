/**
 * The reconcile loop (balena-supervisor style), shared by every device runtime: observe, plan,
 * run the first step, observe again, until the plan is empty. One apply at a time; a newer desired
 * doc aborts the current apply through its AbortSignal unless the running download fetches the
 * same bytes; transient failures back off and retry a bounded number of times per doc, then the
 * install is given up (`giveUp`) and reported. Steps run through the runtime's `run`; waiting goes
 * through its `sleep`: the loop itself does no I/O. With `attempts`, each start of a candidate
 * session is counted and stored before it runs (install-attempts.ts), so a runtime killed in the
 * middle of a load or probe still gives up after `retry.maxAttempts` starts; a load or probe the
 * loop aborts itself (close, a newer doc) did not die, and is not counted.
 */
import { DeviceCoreError } from '../errors';
import { backoffDelay, type BackoffPolicy } from '../retry/backoff';
import type { CoreLogger, RuntimeErrors, RuntimeFailure, Sleep } from '../runtime/ports';
import { attemptBegunBy, attemptFinishedBy, type InstallAttempts } from './install-attempts';
import { plan, type DesiredView, type Observed, type Step } from './plan';

export interface ReconcileLoopDeps<E extends RuntimeFailure> {
  observe(): Promise<Observed>;
  desired(): DesiredView | null;
  run(step: Step, signal: AbortSignal): Promise<void>;
  /** the install of `step.seq` failed for good: record and report it */
  giveUp(step: Step & { seq: number }, error: E): Promise<void>;
  /** the plan is empty: the device is settled */
  settled(): void;
  retry: BackoffPolicy & { maxAttempts: number };
  logger: CoreLogger;
  errors: Pick<RuntimeErrors<E>, 'toError'>;
  sleep: Sleep;
  /** attempts that survive a restart; absent: only the in-memory count of failed steps */
  attempts?: InstallAttempts;
}

export class ReconcileLoop<E extends RuntimeFailure> {
  private controller: AbortController | null = null;
  private current: Step | null = null;
  private dirty = true;
  private wake: (() => void) | null = null;
  private closed = false;
  private attempts = { seq: -1, count: 0 };
  private readonly done: Promise<void>;

  constructor(private readonly deps: ReconcileLoopDeps<E>) {
    this.done = this.loop();
  }

  /**
   * Something changed (a doc was accepted): re-plan. The running step is aborted only when it
   * works toward another artifact; a newer doc for the same bytes lets a download run on (the
   * active's, or the shadow's when the new doc names the same shadow).
   */
  trigger(): void {
    this.dirty = true;
    const desired = this.deps.desired();
    const step = this.current;
    if (this.controller && step && 'seq' in step && desired && desired.seq !== step.seq) {
      const stillWanted =
        (step.kind === 'download' && step.release.artifact.sha256 === desired.release.artifact.sha256) ||
        (step.kind === 'download-shadow' && step.release.artifact.sha256 === desired.shadow?.artifact.sha256);
      if (!stillWanted) this.controller.abort();
    }
    this.wake?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.controller?.abort();
    this.wake?.();
    await this.done;
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      if (!this.dirty) await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
      if (this.closed) break;
      this.dirty = false;
      try {
        await this.applyUntilSettled();
      } catch (error) {
        // Only observe() can land here (e.g. the models dir vanished): log and wait for the next trigger.
        this.deps.logger.error('reconcile pass failed', { error });
      }
    }
  }

  private async applyUntilSettled(): Promise<void> {
    while (!this.closed) {
      const step = plan(await this.deps.observe(), this.deps.desired())[0];
      if (!step) {
        this.deps.settled();
        return;
      }
      const seq = 'seq' in step ? step.seq : null;
      const controller = new AbortController();
      this.controller = controller;
      this.current = step;
      try {
        this.deps.logger.debug('step', { kind: step.kind, seq });
        if (seq !== null && (await this.attemptsSpent(step))) {
          await this.deps.giveUp({ ...step, seq }, this.deps.errors.toError(new DeviceCoreError('E_PROBE_FAILED', this.spentMessage(step)), 'E_PROBE_FAILED'));
          continue;
        }
        await this.deps.run(step, controller.signal);
        const finished = attemptFinishedBy(step);
        if (finished) await this.deps.attempts?.finish(finished);
        // A load that ignored the abort and returned: stopped on purpose all the same.
        else if (controller.signal.aborted) await this.uncount(step);
      } catch (thrown) {
        if (controller.signal.aborted) {
          // Superseded or closing: re-plan from what is observed now.
          await this.uncount(step);
          continue;
        }
        const error = this.deps.errors.toError(thrown, 'E_DOWNLOAD_FAILED', step.kind);
        if (seq === null) {
          // Housekeeping (garbage collection) failing is not worth a retry storm: next trigger.
          this.deps.logger.warn('housekeeping step failed', { kind: step.kind, error });
          this.deps.settled();
          return;
        }
        if (await this.retryLater(seq, error, controller.signal)) continue;
        if (!controller.signal.aborted) await this.deps.giveUp({ ...step, seq }, error);
      } finally {
        this.controller = null;
        this.current = null;
      }
    }
  }

  /**
   * Counts (and stores) the attempt `step` begins; true when the starts allowed are already
   * spent: the runtime died during the earlier ones (killed for memory during a probe, say).
   */
  private async attemptsSpent(step: Step): Promise<boolean> {
    const key = this.deps.attempts ? attemptBegunBy(step) : null;
    if (!key || !this.deps.attempts) return false;
    return (await this.deps.attempts.begin(key)) > this.deps.retry.maxAttempts;
  }

  /**
   * A load or probe that ended because the loop aborted it (a graceful restart during a slow load,
   * a newer doc) was not the runtime dying in it: left counted, a few restarts would give a good
   * model up as "out of memory?". Only that one start is taken back: earlier ones that died still
   * count. Not taken back (store unwritable): counted, the safe side.
   */
  private async uncount(step: Step): Promise<void> {
    const key = attemptBegunBy(step) ?? attemptFinishedBy(step);
    if (!key || !this.deps.attempts) return;
    try {
      await this.deps.attempts.abandon(key);
    } catch (error) {
      this.deps.logger.warn('could not take back an aborted install attempt', { kind: step.kind, error });
    }
  }

  private spentMessage(step: Step): string {
    const release = 'release' in step ? `${step.release.model}@${step.release.version}` : 'the release';
    return `${release}: loading and probing it was started ${this.deps.retry.maxAttempts} times without finishing (the device runtime stopped during them: out of memory?); given up`;
  }

  /** true when the failure is worth another attempt (after the backoff delay has passed). */
  private async retryLater(seq: number, error: E, signal: AbortSignal): Promise<boolean> {
    if (this.attempts.seq !== seq) this.attempts = { seq, count: 0 };
    this.attempts.count++;
    if (!error.transient || this.attempts.count >= this.deps.retry.maxAttempts) return false;
    const delay = backoffDelay(this.attempts.count - 1, this.deps.retry);
    this.deps.logger.warn('install step failed, retrying', { code: error.code, message: error.message, attempt: this.attempts.count, delayMs: delay });
    await this.deps.sleep(delay, signal);
    return true;
  }
}
