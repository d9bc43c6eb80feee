/**
 * Messages from the hub's retained topics, judged by the device core exactly as the agent judges
 * them (judgeDeployment, judgeTrustMessage, rotateTrust): signed by the pinned trust chain, for
 * this device, not expired, seq never going back, release manifests signed and compatible with
 * onnxruntime-web. One message at a time, in arrival order (each verdict depends on what the
 * previous one stored). A refusal changes nothing trusted: it is shown (status().error), reported
 * (state.error and a doc-rejected event) and the serving model keeps answering.
 */
import { heldReleaseBytes, judgeDeployment, judgeTrustMessage, rotateTrust, type DeploymentDecision } from '@edgefleet/device-core';
import type { ReleaseRef } from '@edgefleet/protocol';
import type { WebLogger } from '../api';
import { reportable, toWebError, type WebRuntimeError } from '../errors';
import type { DeviceStore } from '../platform/device-store';
import { MAX_OPSET, RUNTIME_VERSION } from '../runtime/ort-web';
import type { LiveState } from './live-state';

export interface DocHandlerDeps {
  state: LiveState;
  store: DeviceStore;
  deviceId: string;
  now: () => Date;
  logger: WebLogger;
  onAccepted(): void;
  fetchRelease(ref: ReleaseRef): Promise<Uint8Array>;
  retry: { baseMs: number; maxMs: number };
}

export class DocHandler {
  private queue: Promise<void> = Promise.resolve();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private retryDelayMs = 0;

  constructor(private readonly deps: DocHandlerDeps) {}

  desired(bytes: Uint8Array): Promise<void> {
    this.cancelRetry();
    return this.enqueue(() => this.handleDesired(bytes));
  }

  trust(bytes: Uint8Array): Promise<void> {
    return this.enqueue(() => this.handleTrust(bytes));
  }

  close(): void {
    this.cancelRetry();
  }

  idle(): Promise<void> {
    return this.queue;
  }

  private cancelRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(task).catch((error: unknown) => this.deps.logger.error('message handling failed', { error: String(error) }));
    return this.queue;
  }

  private async handleDesired(bytes: Uint8Array): Promise<void> {
    const { state, logger } = this.deps;
    let verdict: DeploymentDecision;
    try {
      verdict = await judgeDeployment(bytes, {
        trust: state.trust,
        deviceId: this.deps.deviceId,
        now: this.deps.now(),
        persisted: state.persisted,
        runtime: { version: RUNTIME_VERSION, maxOpset: MAX_OPSET },
        // A rollback names a release this page holds already: nothing is fetched.
        fetchRelease: async (ref) => (await heldReleaseBytes(state.persisted, ref)) ?? this.deps.fetchRelease(ref),
      });
    } catch (thrown) {
      const error = toWebError(thrown, 'E_SCHEMA', 'deployment doc rejected');
      // The hub out of reach is not the doc's fault: nothing is refused, the doc waits.
      if (error.transient) return this.retryLater(bytes, error);
      return this.reject(error);
    }
    if (verdict.kind === 'refuse') return this.reject(toWebError(verdict.error, 'E_TRUST_STATE'));
    this.retryDelayMs = 0;
    if (verdict.kind === 'ignore') {
      logger.debug('deployment doc ignored', { seq: verdict.seq, reason: verdict.reason });
      state.checkStale();
      return;
    }
    const { desired, shadowRefused } = verdict;
    // PROTOCOL: the accepted seq is stored before it is acted on, so a replay is refused even after a crash.
    try {
      await state.update((current) => ({ ...current, lastSeq: desired.seq, desired, failure: null }));
    } catch (error) {
      return this.reject(toWebError(error, 'E_TRUST_STATE', `could not persist deployment seq ${desired.seq}`));
    }
    logger.info('deployment doc accepted', { seq: desired.seq, model: desired.release.manifest.model, version: desired.release.manifest.version });
    if (shadowRefused) state.emit('shadow-failed', { seq: desired.seq, error: reportable(toWebError(shadowRefused, 'E_SCHEMA')) });
    state.setError(null);
    state.report();
    state.checkStale();
    this.deps.onAccepted();
  }

  private retryLater(bytes: Uint8Array, error: WebRuntimeError): void {
    const { retry, logger } = this.deps;
    this.retryDelayMs = Math.min(retry.maxMs, this.retryDelayMs === 0 ? retry.baseMs : this.retryDelayMs * 2);
    logger.warn('deployment doc not checked yet: its release manifest could not be fetched; trying again', { code: error.code, message: error.message, inMs: this.retryDelayMs });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.enqueue(() => this.handleDesired(bytes));
    }, this.retryDelayMs);
  }

  private async handleTrust(bytes: Uint8Array): Promise<void> {
    const { state, logger } = this.deps;
    const verdict = judgeTrustMessage(state.trust, bytes);
    if (verdict.kind === 'refuse') return this.reject(toWebError(verdict.error, 'E_TRUST_STATE'));
    if (verdict.kind === 'skip') return; // first trust only comes from the authenticated config endpoint
    if (verdict.kind === 'ignore') {
      logger.debug('trust message ignored', { reason: verdict.reason });
      return;
    }
    try {
      const next = await rotateTrust(verdict.current, bytes, this.deps.now());
      await this.deps.store.saveTrust(next.envelope);
      state.trust = next;
      logger.info('trust document rotated', { from: verdict.current.version, to: next.doc.version });
    } catch (error) {
      return this.reject(toWebError(error, 'E_ROOT_CHAIN', 'trust update rejected'));
    }
  }

  private reject(error: WebRuntimeError): void {
    const { state, logger } = this.deps;
    logger.warn('document rejected', { code: error.code, message: error.message });
    state.setError(reportable(error));
    state.emit('doc-rejected', { error: reportable(error) });
    state.report();
    state.checkStale();
  }
}
