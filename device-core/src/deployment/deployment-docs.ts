/**
 * Messages from the hub's retained topics, for every device runtime. Whether a deployment doc is
 * taken is judgeDeployment (on protocol `verifyDeployment`); how the pinned trust follows the
 * hub's chain is trust/trust-follower.ts (on `verifyTrustUpdate`); this class adds the queue,
 * retries, persistence and reports. Handled one at a time, in arrival
 * order, because each verdict depends on what the previous one stored (lastSeq, trust). A
 * rejection changes nothing trusted: it is reported (state.error + a doc-rejected event) and the
 * serving model keeps answering.
 */
import type { DeviceEvent, Envelope, ReleaseRef, ReportedError } from '@edgefleet/protocol';
import type { CoreLogger, RuntimeErrors, RuntimeFailure, ScheduleOnce } from '../runtime/ports';
import type { PersistedState } from '../state/device-state';
import type { TrustState } from '../trust/trust-state';
import { TrustFollower } from '../trust/trust-follower';
import type { TrustFetcher } from '../trust/trust-walk';
import { judgeDeployment, type DeploymentDecision } from './deployment-acceptance';
import { heldReleaseBytes } from './held-releases';

/** The device state a doc changes: what it trusts (persisted first), its error, its reports. */
export interface DocTarget {
  readonly persisted: PersistedState;
  trust: TrustState;
  /** persists `change` of the latest state, then believes it */
  update(change: (current: PersistedState) => PersistedState): Promise<void>;
  setError(error: ReportedError | null): void;
  emit(kind: DeviceEvent['kind'], fields?: Pick<DeviceEvent, 'seq' | 'model' | 'error'>): unknown;
  report(): unknown;
  /** THREATS 6: says once when the accepted doc has expired */
  checkStale(): void;
}

export interface DeploymentDocsDeps<E extends RuntimeFailure> {
  state: DocTarget;
  saveTrust(envelope: Envelope): Promise<void>;
  deviceId: string;
  now: () => Date;
  logger: CoreLogger;
  /** the runtime's version and highest ONNX opset (compatibility of release manifests) */
  runtime: { version: string; maxOpset: number };
  /** a new doc was accepted and persisted: the reconcile loop should re-plan */
  onAccepted(): void;
  /** a release manifest the doc names by reference, from the hub (its hash is checked here) */
  fetchRelease(ref: ReleaseRef): Promise<Uint8Array>;
  /**
   * The hub's trust document of a version (null: the hub has none), so a device behind by more
   * than one rotation can walk the chain (trust/trust-follower.ts); without it only the next
   * version is taken off the trust topic.
   */
  fetchTrust?: TrustFetcher;
  /** a doc whose manifest could not be fetched (hub unreachable) is tried again after this, doubling */
  retry: { baseMs: number; maxMs: number };
  errors: RuntimeErrors<E>;
  schedule: ScheduleOnce;
}

export class DeploymentDocs<E extends RuntimeFailure> {
  private queue: Promise<void> = Promise.resolve();
  private cancelRetry: (() => void) | null = null;
  private retryDelayMs = 0;
  /**
   * Counts deployment messages: a doc waiting for its manifest is tried again only while no newer
   * message came. Stopping the timer is not enough: the older doc may be in the middle of its
   * fetch when the newer one arrives, and would schedule its retry after the newer one was taken.
   */
  private generation = 0;
  private readonly trustChain: TrustFollower<E>;

  constructor(private readonly deps: DeploymentDocsDeps<E>) {
    this.trustChain = new TrustFollower({
      state: deps.state,
      saveTrust: deps.saveTrust,
      fetchTrust: deps.fetchTrust,
      now: deps.now,
      logger: deps.logger,
      errors: deps.errors,
      schedule: deps.schedule,
      retry: deps.retry,
      reject: (error) => this.reject(error),
      enqueue: (task) => void this.enqueue(task),
      rejudge: (bytes, generation) => this.handleDesired(bytes, true, generation),
    });
  }

  desired(bytes: Uint8Array): Promise<void> {
    // A newer message replaces a doc waiting to be tried again.
    this.stopRetry();
    this.trustChain.dropHeld();
    const generation = ++this.generation;
    return this.enqueue(() => this.handleDesired(bytes, false, generation));
  }

  trust(bytes: Uint8Array): Promise<void> {
    return this.enqueue(() => this.handleTrust(bytes));
  }

  /** Stops a pending retry (the device is closing). */
  close(): void {
    this.stopRetry();
    this.trustChain.close();
  }

  /** Resolves once every message received so far has been handled. */
  idle(): Promise<void> {
    return this.queue;
  }

  private stopRetry(): void {
    this.cancelRetry?.();
    this.cancelRetry = null;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(task).catch((error: unknown) => this.deps.logger.error('message handling failed', { error }));
    return this.queue;
  }

  private retryLater(bytes: Uint8Array, error: E, generation: number): void {
    const { retry, logger } = this.deps;
    if (generation !== this.generation) return;
    this.retryDelayMs = Math.min(retry.maxMs, this.retryDelayMs === 0 ? retry.baseMs : this.retryDelayMs * 2);
    logger.warn('deployment doc not checked yet: its release manifest could not be fetched; trying again', { code: error.code, message: error.message, inMs: this.retryDelayMs });
    this.cancelRetry = this.deps.schedule(() => {
      this.cancelRetry = null;
      if (generation === this.generation) void this.enqueue(() => this.handleDesired(bytes, false, generation));
    }, this.retryDelayMs);
  }

  /**
   * The manifest bytes a reference names: one the device holds already (a rollback names the
   * release it keeps as previous, so nothing is fetched), else from the hub.
   */
  private async fetchRelease(ref: ReleaseRef): Promise<Uint8Array> {
    return (await heldReleaseBytes(this.deps.state.persisted, ref)) ?? this.deps.fetchRelease(ref);
  }

  /**
   * `afterRotation`: judged again after the trust moved on; it does not ask the hub for newer
   * trust again. `generation`: the message count when this doc arrived, kept through every
   * re-judgement (the count may have moved on meanwhile: a newer doc supersedes this one).
   */
  private async handleDesired(bytes: Uint8Array, afterRotation: boolean, generation: number): Promise<void> {
    const { state, logger, errors } = this.deps;
    let verdict: DeploymentDecision;
    try {
      verdict = await judgeDeployment(bytes, {
        trust: state.trust,
        deviceId: this.deps.deviceId,
        now: this.deps.now(),
        persisted: state.persisted,
        runtime: this.deps.runtime,
        fetchRelease: (ref) => this.fetchRelease(ref),
      });
    } catch (thrown) {
      const error = errors.toError(thrown, 'E_SCHEMA', 'deployment doc rejected');
      // The hub out of reach is not the doc's fault: nothing is refused, the doc waits.
      if (error.transient) return this.retryLater(bytes, error, generation);
      // THREATS "Keys": signed by a key a newer trust document names (the release key rotated
      // while this device was away): walk the hub's chain, then judge the doc again.
      if (error.code === 'E_SIG_UNTRUSTED' && !afterRotation) {
        const caughtUp = await this.trustChain.catchUp();
        if (caughtUp === 'rotated') return this.handleDesired(bytes, true, generation);
        // A newer doc that came during the walk dropped the held one: this doc must not come back.
        if (generation === this.generation) this.trustChain.hold(bytes, generation);
        // The hub's chain was refused and reported: that, not this doc, is what the device says.
        if (caughtUp === 'refused') return;
      }
      return this.reject(error);
    }
    if (verdict.kind === 'refuse') return this.reject(errors.toError(verdict.error, 'E_TRUST_STATE'));
    this.retryDelayMs = 0;
    if (verdict.kind === 'ignore') {
      logger.debug('deployment doc ignored', { seq: verdict.seq, reason: verdict.reason });
      state.checkStale();
      return;
    }
    // A shadow that does not verify was dropped from the doc, never the doc itself: serving goes on.
    const { desired, shadowRefused } = verdict;
    const { seq, downgrade, shadow } = desired;
    const release = desired.release.manifest;
    // PROTOCOL: persist the accepted seq (and the doc) before acting on it, so a replay of an
    // older doc is refused even if the device crashes mid-install.
    try {
      await state.update((current) => ({ ...current, lastSeq: seq, desired, failure: null }));
    } catch (error) {
      return this.reject(errors.toError(error, 'E_TRUST_STATE', `could not persist deployment seq ${seq}`));
    }
    logger.info('deployment doc accepted', { seq, model: release.model, version: release.version, downgrade, shadow: shadow?.manifest.version });
    if (shadowRefused) {
      const error = errors.reportable(errors.toError(shadowRefused, 'E_SCHEMA'));
      logger.warn('shadow candidate refused', { seq, code: error.code, message: error.message });
      state.emit('shadow-failed', { seq, error });
    }
    state.setError(null);
    state.report();
    state.checkStale();
    this.deps.onAccepted();
  }

  private handleTrust(bytes: Uint8Array): Promise<void> {
    return this.trustChain.message(bytes);
  }

  private reject(error: E): void {
    const { state, logger, errors } = this.deps;
    logger.warn('document rejected', { code: error.code, message: error.message });
    const reported = errors.reportable(error);
    state.setError(reported);
    state.emit('doc-rejected', { error: reported });
    state.report();
    state.checkStale();
  }
}
