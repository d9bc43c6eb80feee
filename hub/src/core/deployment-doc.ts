/** Builds the desired state of one device when an admin pins it to a release. */
import { deploymentDocSchema, envelopeSchema, fromBase64, parseJsonBytes, type DeploymentDoc, type ReleaseRef as ManifestRef } from '@edgefleet/protocol';

/** A registered release as a deployment doc names it: by the hash of its signed manifest. */
export interface ReleaseRef {
  model: string;
  version: string;
  releaseCounter: number;
  ref: ManifestRef;
}

export interface PinInput {
  device: string;
  seq: number;
  now: Date;
  ttlS: number;
  statsIntervalS: number;
  target: ReleaseRef;
  /** what the device is currently assigned, if anything */
  current: ReleaseRef | null;
  /** the fallback of the current assignment, kept when the target does not change */
  currentPrevious: ReleaseRef | null;
  /** release counters the device may be serving for the target's model (assigned or reported) */
  servingCounters: readonly number[];
  /** the rollout (and its step) this assignment belongs to; null for a manual pin */
  rollout?: DeploymentDoc['rollout'];
  /**
   * A release to run in shadow mode beside the target (ROLLOUTS "Shadow"): a version of this or another
   * model; it never serves, so downgrade rules do not apply to it. Absent or null: none.
   */
  shadow?: ReleaseRef | null;
  /** ramp-up: the share of requests the shadow answers instead of the target (only with a shadow) */
  trafficShare?: number | null;
}

export interface PinPlan {
  doc: DeploymentDoc;
  previous: ReleaseRef | null;
  shadow: ReleaseRef | null;
}

const sameRelease = (a: ReleaseRef, b: ReleaseRef): boolean => a.model === b.model && a.version === b.version;

export function planPin(input: PinInput): PinPlan {
  const { current, target } = input;
  // The release being replaced becomes the fallback; re-pinning the same release keeps the old one.
  const previous = current && !sameRelease(current, target) ? current : input.currentPrevious;
  // An explicit admin pin to an older release is an authorised downgrade (THREATS 8).
  const allowDowngrade = input.servingCounters.some((counter) => target.releaseCounter < counter);
  const doc: DeploymentDoc = {
    type: 'deployment',
    v: 1,
    device: input.device,
    seq: input.seq,
    expires: new Date(input.now.getTime() + input.ttlS * 1000).toISOString(),
    rollout: input.rollout ?? null,
    // By reference: the doc stays near 1 KB whatever the manifests hold (probes, reference profiles).
    active: { ...target.ref },
    previous: previous && !sameRelease(previous, target) ? { ...previous.ref } : null,
    // Only docs that name a shadow carry the field, so every other doc reads as before.
    ...(input.shadow ? { shadow: { ...input.shadow.ref } } : {}),
    ...(input.shadow && input.trafficShare != null ? { trafficShare: input.trafficShare } : {}),
    allowDowngrade,
    statsIntervalS: input.statsIntervalS,
  };
  return { doc, previous: previous && !sameRelease(previous, target) ? previous : null, shadow: input.shadow ?? null };
}

/** The payload of a stored deployment doc; null if it cannot be read (then it is re-issued). */
export function storedDoc(doc: unknown): DeploymentDoc | null {
  const parsed = envelopeSchema.safeParse(doc);
  const bytes = parsed.success ? fromBase64(parsed.data.payload) : null;
  if (!bytes) return null;
  try {
    const payload = deploymentDocSchema.safeParse(parseJsonBytes(bytes, 'stored deployment'));
    return payload.success ? payload.data : null;
  } catch {
    return null;
  }
}
