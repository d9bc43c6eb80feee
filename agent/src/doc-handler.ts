/**
 * Messages from the hub's retained topics. Whether a deployment doc is taken and whether a
 * trust message rotates the pinned trust are the device core's rules (judgeDeployment,
 * judgeTrustMessage and rotateTrust, on protocol `verifyDeployment` and `verifyTrustUpdate`);
 * this class adds the queue, retries, persistence and reports. Handled one at a time, in
 * arrival order, because each verdict depends on what the previous one stored (lastSeq, trust).
 * A rejection changes nothing trusted: it is reported (state.error + a doc-rejected event) and
 * the serving model keeps answering.
 */
import { heldReleaseBytes, judgeDeployment, judgeTrustMessage, rotateTrust, type DeploymentDecision } from '@edgefleet/device-core';
import type { ReleaseRef } from '@edgefleet/protocol';
import { MAX_OPSET, RUNTIME_VERSION } from './adapters/runtime';
import type { AgentStore } from './adapters/store';
import { AgentError, reportable, toAgentError } from './errors';
import type { AgentLogger } from './logger';
import type { World } from './world';

export interface DocHandlerDeps {
  world: World;
  store: AgentStore;
  deviceId: string;
  now: () => Date;
  logger: AgentLogger;
  /** a new doc was accepted and persisted: the reconciler should re-plan */
  onAccepted(): void;
  /** a release manifest the doc names by reference, from the hub (the caller checks its hash) */
  fetchRelease(ref: ReleaseRef): Promise<Uint8Array>;
  /** a doc whose manifest could not be fetched (hub unreachable) is tried again after this, doubling */
  retry: { baseMs: number; maxMs: number };
}

export class DocHandler {
  private queue: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelayMs = 0;

  constructor(private readonly deps: DocHandlerDeps) {}

  desired(bytes: Uint8Array): Promise<void> {
    // A newer message replaces a doc waiting to be tried again.
    this.cancelRetry();
    return this.enqueue(() => this.handleDesired(bytes));
  }

  /** Stops a pending retry (the agent is closing). */
  close(): void {
    this.cancelRetry();
  }

  private cancelRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private retryLater(bytes: Uint8Array, error: AgentError): void {
    const { retry, logger } = this.deps;
    this.retryDelayMs = Math.min(retry.maxMs, this.retryDelayMs === 0 ? retry.baseMs : this.retryDelayMs * 2);
    logger.warn('deployment doc not checked yet: its release manifest could not be fetched; trying again', { code: error.code, message: error.message, inMs: this.retryDelayMs });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.enqueue(() => this.handleDesired(bytes));
    }, this.retryDelayMs);
    this.retryTimer.unref();
  }

  /**
   * The manifest bytes a reference names: one the agent holds already (a rollback names the
   * release it keeps as previous, so nothing is fetched), else from the hub.
   */
  private async fetchRelease(ref: ReleaseRef): Promise<Uint8Array> {
    return (await heldReleaseBytes(this.deps.world.persisted, ref)) ?? this.deps.fetchRelease(ref);
  }

  trust(bytes: Uint8Array): Promise<void> {
    return this.enqueue(() => this.handleTrust(bytes));
  }

  /** Resolves once every message received so far has been handled. */
  idle(): Promise<void> {
    return this.queue;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(task).catch((error: unknown) => this.deps.logger.error('message handling failed', { error }));
    return this.queue;
  }

  private async handleDesired(bytes: Uint8Array): Promise<void> {
    const { world, logger } = this.deps;
    let verdict: DeploymentDecision;
    try {
      verdict = await judgeDeployment(bytes, {
        trust: world.trust,
        deviceId: this.deps.deviceId,
        now: this.deps.now(),
        persisted: world.persisted,
        runtime: { version: RUNTIME_VERSION, maxOpset: MAX_OPSET },
        fetchRelease: (ref) => this.fetchRelease(ref),
      });
    } catch (error) {
      // The hub out of reach is not the doc's fault: nothing is refused, the doc waits.
      if (error instanceof AgentError && error.transient) return this.retryLater(bytes, error);
      return this.reject(toAgentError(error, 'E_SCHEMA', 'deployment doc rejected'));
    }
    if (verdict.kind === 'refuse') return this.reject(toAgentError(verdict.error, 'E_TRUST_STATE'));
    this.retryDelayMs = 0;
    if (verdict.kind === 'ignore') {
      logger.debug('deployment doc ignored', { seq: verdict.seq, reason: verdict.reason });
      world.checkStale();
      return;
    }
    // A shadow that does not verify was dropped from the doc, never the doc itself: serving goes on.
    const { desired, shadowRefused } = verdict;
    const { seq, downgrade, shadow } = desired;
    const release = desired.release.manifest;
    // PROTOCOL: persist the accepted seq (and the doc) before acting on it, so a replay of an
    // older doc is refused even if the agent crashes mid-install.
    try {
      await world.update((state) => ({ ...state, lastSeq: seq, desired, failure: null }));
    } catch (error) {
      return this.reject(toAgentError(error, 'E_TRUST_STATE', `could not persist deployment seq ${seq}`));
    }
    logger.info('deployment doc accepted', { seq, model: release.model, version: release.version, downgrade, shadow: shadow?.manifest.version });
    if (shadowRefused) {
      const error = reportable(toAgentError(shadowRefused, 'E_SCHEMA'));
      logger.warn('shadow candidate refused', { seq, code: error.code, message: error.message });
      world.emit('shadow-failed', { seq, error });
    }
    world.setError(null);
    world.report();
    world.checkStale();
    this.deps.onAccepted();
  }

  private async handleTrust(bytes: Uint8Array): Promise<void> {
    const { world, logger } = this.deps;
    const verdict = judgeTrustMessage(world.trust, bytes);
    if (verdict.kind === 'refuse') return this.reject(toAgentError(verdict.error, 'E_TRUST_STATE'));
    // First trust only comes from the authenticated config endpoint, never from the topic.
    if (verdict.kind === 'skip') return;
    if (verdict.kind === 'ignore') {
      logger.debug('trust message ignored', { reason: verdict.reason });
      return;
    }
    try {
      const next = await rotateTrust(verdict.current, bytes, this.deps.now());
      await this.deps.store.saveTrust(next.envelope);
      world.trust = next;
      logger.info('trust document rotated', { from: verdict.current.version, to: next.doc.version });
    } catch (error) {
      return this.reject(toAgentError(error, 'E_ROOT_CHAIN', 'trust update rejected'));
    }
  }

  private reject(error: AgentError): void {
    const { world, logger } = this.deps;
    logger.warn('document rejected', { code: error.code, message: error.message });
    world.setError(reportable(error));
    world.emit('doc-rejected', { error: reportable(error) });
    world.report();
    world.checkStale();
  }
}
