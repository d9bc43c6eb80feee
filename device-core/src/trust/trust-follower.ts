/**
 * How a device keeps its pinned trust document current (THREATS "Keys"), for every runtime:
 * - a newer version on the retained trust topic: the next version is verified as it is; one
 *   further ahead (the device was offline across rotations) is reached by walking the hub's chain
 *   (trust-walk.ts) when the runtime can fetch it;
 * - a deployment doc refused E_SIG_UNTRUSTED: the hub may have rotated the release key while the
 *   trust message is still on its way, so the device asks the hub for newer versions once (then
 *   stays quiet for a while when there were none, so forged docs cannot make it ask on every
 *   message), and judges the doc again after a rotation brought its key.
 * Every refusal changes nothing pinned and is reported like a refused doc; a hub out of reach is
 * not a refusal: the message is tried again later.
 */
import { claimedTrustVersion, type Envelope } from '@edgefleet/protocol';
import type { CoreLogger, RuntimeErrors, RuntimeFailure, ScheduleOnce } from '../runtime/ports';
import type { PinnedTrust, TrustState } from './trust-state';
import { judgeTrustMessage, rotateTrust } from './trust-updates';
import { walkTrustChain, type TrustFetcher } from './trust-walk';

/** After a catch-up found nothing newer, E_SIG_UNTRUSTED docs do not ask the hub again for this long. */
const TRUST_CATCH_UP_QUIET_MS = 60_000;

export interface TrustFollowerDeps<E extends RuntimeFailure> {
  state: { trust: TrustState };
  saveTrust(envelope: Envelope): Promise<void>;
  /** the hub's chain by version; without it the device only takes the next version off the topic */
  fetchTrust?: TrustFetcher | undefined;
  now: () => Date;
  logger: CoreLogger;
  errors: RuntimeErrors<E>;
  /** reports a refusal (state error and a doc-rejected event) */
  reject(error: E): void;
  /** runs `task` after the messages queued so far */
  enqueue(task: () => Promise<void>): void;
  schedule: ScheduleOnce;
  retry: { baseMs: number; maxMs: number };
  /** judges a deployment doc again, inside the queue (one held back as E_SIG_UNTRUSTED, with the generation it was held under) */
  rejudge(bytes: Uint8Array, generation: number): Promise<void>;
  /** versions per step of a walk (protocol TRUST_WALK_CAP by default) */
  cap?: number;
  quietMs?: number;
}

export class TrustFollower<E extends RuntimeFailure> {
  /** the last deployment doc refused E_SIG_UNTRUSTED: judged again once a rotation lands */
  private held: { bytes: Uint8Array; generation: number } | null = null;
  private quietUntil = 0;
  private cancelRetry: (() => void) | null = null;
  private retryDelayMs = 0;

  constructor(private readonly deps: TrustFollowerDeps<E>) {}

  /** A message off the trust topic (run inside the queue). */
  async message(bytes: Uint8Array): Promise<void> {
    this.stopRetry();
    const { state, logger, errors } = this.deps;
    const verdict = judgeTrustMessage(state.trust, bytes);
    if (verdict.kind === 'refuse') return this.deps.reject(errors.toError(verdict.error, 'E_TRUST_STATE'));
    // First trust only comes from the authenticated config endpoint, never from the topic.
    if (verdict.kind === 'skip' || state.trust.kind !== 'pinned') return;
    if (verdict.kind === 'ignore') {
      logger.debug('trust message ignored', { reason: verdict.reason });
      return;
    }
    const from = state.trust;
    const claimed = claimedTrustVersion(bytes);
    try {
      if (claimed !== null && claimed > from.doc.version + 1 && this.deps.fetchTrust) {
        await this.walk(from, { version: claimed, bytes });
      } else {
        // The next version (or something unreadable): verifyTrustUpdate says what it is.
        await this.pin(await rotateTrust(from.doc, bytes, this.deps.now()), from.doc.version);
      }
    } catch (thrown) {
      const error = errors.toError(thrown, 'E_ROOT_CHAIN', 'trust update rejected');
      if (error.transient) return this.retryLater(bytes, error);
      return this.deps.reject(error);
    }
    this.retryDelayMs = 0;
    await this.rotated();
  }

  /**
   * A deployment doc was refused E_SIG_UNTRUSTED: walks to the hub's newest trust version, if
   * it has a newer one. 'rotated' when the pinned trust moved (judge the doc again); 'refused'
   * when the hub's chain was refused, which is reported here (the doc's own refusal would only
   * hide why); a hub out of reach is only logged ('unchanged').
   */
  async catchUp(): Promise<'rotated' | 'unchanged' | 'refused'> {
    const { state, fetchTrust, logger, errors } = this.deps;
    const from = state.trust;
    if (!fetchTrust || from.kind !== 'pinned') return 'unchanged';
    const at = this.deps.now().getTime();
    if (at < this.quietUntil) return 'unchanged';
    try {
      await this.walk(from, null);
    } catch (thrown) {
      const error = errors.toError(thrown, 'E_ROOT_CHAIN', 'trust chain from the hub rejected');
      this.quietUntil = at + (this.deps.quietMs ?? TRUST_CATCH_UP_QUIET_MS);
      if (error.transient) {
        logger.warn('could not ask the hub for newer trust documents', { code: error.code, message: error.message });
        return 'unchanged';
      }
      this.deps.reject(error);
      return 'refused';
    }
    const now = this.deps.state.trust;
    if (now.kind === 'pinned' && now.doc.version > from.doc.version) {
      this.quietUntil = 0;
      return 'rotated';
    }
    this.quietUntil = at + (this.deps.quietMs ?? TRUST_CATCH_UP_QUIET_MS);
    return 'unchanged';
  }

  /** Keeps the doc refused E_SIG_UNTRUSTED, to judge it again after the next rotation. */
  hold(bytes: Uint8Array, generation: number): void {
    this.held = { bytes, generation };
  }

  /** A newer deployment doc arrived: the held one no longer matters. */
  dropHeld(): void {
    this.held = null;
  }

  close(): void {
    this.stopRetry();
  }

  private async walk(from: PinnedTrust, target: { version: number; bytes: Uint8Array } | null): Promise<void> {
    const fetch = this.deps.fetchTrust;
    if (!fetch) return;
    let previous = from.doc.version;
    await walkTrustChain({
      from,
      fetch,
      target,
      now: this.deps.now(),
      cap: this.deps.cap,
      pin: async (next) => {
        await this.pin(next, previous);
        previous = next.doc.version;
      },
    });
  }

  /** Stored before it is believed: a crash in between leaves the new version on disk, which verifies. */
  private async pin(next: PinnedTrust, from: number): Promise<void> {
    await this.deps.saveTrust(next.envelope);
    this.deps.state.trust = next;
    this.deps.logger.info('trust document rotated', { from, to: next.doc.version, release: next.doc.roles.release.keyids });
  }

  private async rotated(): Promise<void> {
    const held = this.held;
    this.held = null;
    this.quietUntil = 0;
    if (held) await this.deps.rejudge(held.bytes, held.generation);
  }

  private retryLater(bytes: Uint8Array, error: E): void {
    const { retry, logger } = this.deps;
    this.retryDelayMs = Math.min(retry.maxMs, this.retryDelayMs === 0 ? retry.baseMs : this.retryDelayMs * 2);
    logger.warn('trust document not checked yet: the versions before it could not be fetched; trying again', { code: error.code, message: error.message, inMs: this.retryDelayMs });
    this.cancelRetry = this.deps.schedule(() => {
      this.cancelRetry = null;
      this.deps.enqueue(() => this.message(bytes));
    }, this.retryDelayMs);
  }

  private stopRetry(): void {
    this.cancelRetry?.();
    this.cancelRetry = null;
  }
}
