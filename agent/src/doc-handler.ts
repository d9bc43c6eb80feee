/**
 * Messages from the hub's retained topics. Deployment docs go through protocol
 * `verifyDeployment`; trust rotations through `verifyTrustUpdate`. Handled one at a time, in
 * arrival order, because each verdict depends on what the previous one stored (lastSeq, trust).
 * A rejection changes nothing trusted: it is reported (state.error + a doc-rejected event) and
 * the serving model keeps answering.
 */
import { envelopeBytes, parseEnvelope, sha256Hex, verifyDeployment, verifyTrustUpdate, type ReleaseRef } from '@edgefleet/protocol';
import { MAX_OPSET, RUNTIME_VERSION } from './adapters/runtime';
import type { AgentStore } from './adapters/store';
import { classifyTrustMessage } from './core/trust';
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
    const { persisted } = this.deps.world;
    const held = [persisted.active, persisted.previous, persisted.desired?.release, persisted.desired?.shadow];
    for (const release of held) {
      if (!release) continue;
      const bytes = envelopeBytes(release.envelope);
      if (bytes.length === ref.size && (await sha256Hex(bytes)) === ref.sha256) return bytes;
    }
    return this.deps.fetchRelease(ref);
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
    const trust = world.trust;
    if (trust.kind !== 'pinned') {
      const why = trust.kind === 'corrupt' ? `trust state unusable (${trust.reason}); updates refused` : 'no trust document pinned yet';
      return this.reject(new AgentError('E_TRUST_STATE', why));
    }
    const current = world.persisted;
    let verdict;
    try {
      verdict = await verifyDeployment(bytes, {
        trust: trust.doc,
        deviceId: this.deps.deviceId,
        now: this.deps.now(),
        lastSeq: current.lastSeq,
        active: current.active ? { model: current.active.manifest.model, releaseCounter: current.active.manifest.releaseCounter } : null,
        runtime: { version: RUNTIME_VERSION, maxOpset: MAX_OPSET },
        fetchRelease: (ref) => this.fetchRelease(ref),
      });
    } catch (error) {
      // The hub out of reach is not the doc's fault: nothing is refused, the doc waits.
      if (error instanceof AgentError && error.transient) return this.retryLater(bytes, error);
      return this.reject(toAgentError(error, 'E_SCHEMA', 'deployment doc rejected'));
    }
    this.retryDelayMs = 0;
    if (verdict.kind === 'ignore') {
      logger.debug('deployment doc ignored', { seq: verdict.seq, reason: verdict.reason });
      world.checkStale();
      return;
    }
    const { doc, release, downgrade } = verdict;
    // A shadow that does not verify is dropped from the doc, never the doc itself: serving goes on.
    const shadow = verdict.shadow?.kind === 'ok' ? { envelope: verdict.shadow.envelope, manifest: verdict.shadow.release } : null;
    // PROTOCOL: persist the accepted seq (and the doc) before acting on it, so a replay of an
    // older doc is refused even if the agent crashes mid-install.
    try {
      const envelope = parseEnvelope(bytes, 'deployment');
      await world.update((state) => ({
        ...state,
        lastSeq: doc.seq,
        desired: { seq: doc.seq, expires: doc.expires, envelope, release: { envelope: verdict.envelope, manifest: release }, downgrade, statsIntervalS: doc.statsIntervalS, shadow },
        failure: null,
      }));
    } catch (error) {
      return this.reject(toAgentError(error, 'E_TRUST_STATE', `could not persist deployment seq ${doc.seq}`));
    }
    logger.info('deployment doc accepted', { seq: doc.seq, model: release.model, version: release.version, downgrade, shadow: shadow?.manifest.version });
    if (verdict.shadow?.kind === 'rejected') {
      const error = reportable(toAgentError(verdict.shadow.error, 'E_SCHEMA'));
      logger.warn('shadow candidate refused', { seq: doc.seq, code: error.code, message: error.message });
      world.emit('shadow-failed', { seq: doc.seq, error });
    }
    world.setError(null);
    world.report();
    world.checkStale();
    this.deps.onAccepted();
  }

  private async handleTrust(bytes: Uint8Array): Promise<void> {
    const { world, logger } = this.deps;
    const trust = world.trust;
    if (trust.kind === 'corrupt') return this.reject(new AgentError('E_TRUST_STATE', `trust state unusable (${trust.reason}); rotation refused`));
    // First trust only comes from the authenticated config endpoint, never from the topic.
    if (trust.kind === 'unpinned') return;
    const verdict = classifyTrustMessage(trust.doc, bytes);
    if (verdict.kind === 'ignore') {
      logger.debug('trust message ignored', { reason: verdict.reason });
      return;
    }
    try {
      const next = await verifyTrustUpdate(trust.doc, bytes, this.deps.now());
      const envelope = parseEnvelope(bytes, 'trust');
      await this.deps.store.saveTrust(envelope);
      world.trust = { kind: 'pinned', doc: next, envelope };
      logger.info('trust document rotated', { from: trust.doc.version, to: next.version });
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
