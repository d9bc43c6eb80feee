/**
 * Whether a device takes a deployment doc (PROTOCOL, THREATS rows 2-12): its trust state must
 * be usable, and protocol `verifyDeployment` must accept the doc: signed by the trust chain's
 * release key, addressed to this device, not expired, seq not below the last accepted one (the
 * same seq again is ignored), its release manifest signed by the release key and compatible
 * with this runtime, no unauthorized downgrade. What is accepted comes back as the record the
 * device persists before acting on it. No I/O of its own: the manifest fetch is injected.
 *
 * A shadow candidate that does not verify never refuses the doc: it is dropped from the record
 * (serving goes on) and handed back for the device to report.
 */
import { parseEnvelope, verifyDeployment, type ProtocolError, type ReleaseFetcher } from '@edgefleet/protocol';
import { DeviceCoreError } from '../errors';
import type { AcceptedDesired, PersistedState } from '../state/device-state';
import type { TrustState } from '../trust/trust-state';

export interface DeploymentJudgement {
  trust: TrustState;
  deviceId: string;
  now: Date;
  /** the last seq accepted (replay protection) and what serves (downgrade protection) */
  persisted: Pick<PersistedState, 'lastSeq' | 'active'>;
  runtime: { version: string; maxOpset: number };
  /** a release manifest the doc names by reference; its errors propagate as they are */
  fetchRelease: ReleaseFetcher;
}

export type DeploymentDecision =
  /** the device cannot judge docs (nothing pinned, or its trust state is unusable) */
  | { kind: 'refuse'; error: DeviceCoreError }
  /** PROTOCOL: the seq already acted on (a retained redelivery) changes nothing */
  | { kind: 'ignore'; seq: number; reason: string }
  | { kind: 'accept'; desired: AcceptedDesired; shadowRefused: ProtocolError | null };

/**
 * The decision on the doc `bytes`. Throws what verification throws (a ProtocolError refusing the
 * doc) and what `fetchRelease` throws (the hub out of reach, which is not the doc's fault): the
 * caller tells the two apart.
 */
export async function judgeDeployment(bytes: Uint8Array, input: DeploymentJudgement): Promise<DeploymentDecision> {
  const { trust, persisted } = input;
  if (trust.kind !== 'pinned') {
    const why = trust.kind === 'corrupt' ? `trust state unusable (${trust.reason}); updates refused` : 'no trust document pinned yet';
    return { kind: 'refuse', error: new DeviceCoreError('E_TRUST_STATE', why) };
  }
  const verdict = await verifyDeployment(bytes, {
    trust: trust.doc,
    deviceId: input.deviceId,
    now: input.now,
    lastSeq: persisted.lastSeq,
    active: persisted.active ? { model: persisted.active.manifest.model, releaseCounter: persisted.active.manifest.releaseCounter } : null,
    runtime: input.runtime,
    fetchRelease: input.fetchRelease,
  });
  if (verdict.kind === 'ignore') return verdict;
  const { doc, release, downgrade } = verdict;
  const shadow = verdict.shadow?.kind === 'ok' ? { envelope: verdict.shadow.envelope, manifest: verdict.shadow.release } : null;
  const desired: AcceptedDesired = {
    seq: doc.seq,
    expires: doc.expires,
    envelope: parseEnvelope(bytes, 'deployment'),
    release: { envelope: verdict.envelope, manifest: release },
    downgrade,
    statsIntervalS: doc.statsIntervalS,
    shadow,
  };
  return { kind: 'accept', desired, shadowRefused: verdict.shadow?.kind === 'rejected' ? verdict.shadow.error : null };
}
