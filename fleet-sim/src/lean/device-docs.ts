/**
 * A lean device's document handling, as agent/src/doc-handler.ts: deployment docs one at a time
 * through protocol `verifyDeployment` with the device's own lastSeq, pinned trust and serving
 * release (a doc whose manifest fetch fails transiently waits and is tried again with backoff);
 * trust rotations via `verifyTrustUpdate`; rejections reported as state error and a
 * `doc-rejected` event. Separate from the install: it only decides what is desired, then hands
 * over through `accepted`.
 */
import { isReleaseRef, verifyDeployment, verifyTrustUpdate, type ReleaseRef } from '@edgefleet/protocol';
import { backoffDelay, classifyTrustMessage } from '@edgefleet/device-core';
import { AgentError, reportable, toAgentError } from '../../../agent/src/errors';
import type { DeviceCore } from './device-core';

/** A failed manifest fetch: not the doc's fault, the doc is tried again later. */
class FetchFailed extends Error {}

export class DocHandler {
  // In memory only: lost with a crash (reset).
  private docs: Promise<void> = Promise.resolve();
  private pendingDoc: { bytes: Uint8Array; receivedAt: number } | null = null;

  /** `accepted` runs after a desired release was accepted, "persisted" and reported. */
  constructor(
    private readonly core: DeviceCore,
    private readonly accepted: () => void,
  ) {}

  /** A deployment doc from the link. */
  desired(bytes: Uint8Array, receivedAt: number): void {
    // A newer message replaces a doc waiting to be tried again.
    this.pendingDoc = null;
    this.enqueue(() => this.handleDesired(bytes, receivedAt));
  }

  /** A trust document from the link. */
  trust(bytes: Uint8Array): void {
    this.enqueue(() => this.handleTrust(bytes));
  }

  /** A crash: the docs queued and a doc waiting to be tried again are lost. */
  reset(): void {
    this.pendingDoc = null;
    this.docs = Promise.resolve();
  }

  private enqueue(task: () => Promise<void>): void {
    const gen = this.core.generation;
    this.docs = this.docs.then(() => (gen === this.core.generation ? task() : undefined)).catch(() => this.core.proc.count('docHandlerErrors'));
  }

  private async handleDesired(bytes: Uint8Array, receivedAt: number, attempt = 0): Promise<void> {
    const p = this.core.persisted;
    if (!p.trust) return this.reject(new AgentError('E_TRUST_STATE', 'no trust document pinned yet'));
    const gen = this.core.generation;
    let verdict;
    try {
      verdict = await verifyDeployment(bytes, {
        trust: p.trust,
        deviceId: this.core.spec.id,
        now: this.core.proc.now(),
        lastSeq: p.lastSeq,
        active: p.active ? { model: p.active.model, releaseCounter: p.active.releaseCounter } : null,
        runtime: this.core.proc.runtime,
        fetchRelease: (ref: ReleaseRef) => this.core.proc.fetches.release(ref, this.core.authorization).catch((cause: unknown) => Promise.reject(new FetchFailed('release manifest fetch failed', { cause }))),
      });
    } catch (error) {
      if (gen !== this.core.generation) return;
      if (error instanceof FetchFailed) {
        this.core.proc.count('releaseFetchFailures');
        // As the agent: a hub out of reach is not the doc's fault, it waits; anything else refuses it.
        if (!(error.cause instanceof AgentError && error.cause.transient)) return this.reject(toAgentError(error.cause, 'E_DOWNLOAD_FAILED', 'deployment doc rejected'));
        this.pendingDoc = { bytes, receivedAt };
        this.core.later(backoffDelay(attempt, this.core.proc.options.retry, this.core.random), () => {
          if (this.pendingDoc?.bytes === bytes) this.enqueue(() => this.handleDesired(bytes, receivedAt, attempt + 1));
        });
        return;
      }
      return this.reject(toAgentError(error, 'E_SCHEMA', 'deployment doc rejected'));
    }
    if (gen !== this.core.generation) return;
    if (this.pendingDoc?.bytes === bytes) this.pendingDoc = null;
    if (verdict.kind === 'ignore') return;
    const { doc, downgrade } = verdict;
    const release = this.core.proc.intern(isReleaseRef(doc.active) ? doc.active.sha256 : verdict.envelope.payload, verdict.release);
    // PROTOCOL: the accepted seq is "persisted" before anything is acted on.
    p.lastSeq = doc.seq;
    p.desired = { seq: doc.seq, release, downgrade, statsIntervalS: doc.statsIntervalS };
    p.failure = null;
    this.core.clock.accepted(doc.seq, release.version, receivedAt, Date.now());
    this.core.error = null;
    this.core.report();
    this.accepted();
  }

  private async handleTrust(bytes: Uint8Array): Promise<void> {
    const trust = this.core.persisted.trust;
    if (!trust || classifyTrustMessage(trust, bytes).kind === 'ignore') return;
    try {
      this.core.persisted.trust = await verifyTrustUpdate(trust, bytes, this.core.proc.now());
    } catch (error) {
      this.reject(toAgentError(error, 'E_ROOT_CHAIN', 'trust update rejected'));
    }
  }

  private reject(error: AgentError): void {
    this.core.proc.count(`rejected:${error.code}`);
    this.core.error = reportable(error);
    this.core.emit('doc-rejected', { error: this.core.error });
    this.core.report();
  }
}
