/**
 * The traffic share of an accepted deployment doc (protocol deployment.ts `trafficShare`): the
 * share of requests its shadow candidate answers (predictions/traffic-split.ts), or null when the
 * shadow only runs beside, or there is none (also when the shadow was refused and dropped).
 *
 * It is read from the signed doc the device keeps (`desired.envelope`), not stored beside it: the
 * persisted state's shape stays what it was, and the share can never disagree with the doc.
 * The doc was verified against the protocol schema when it was accepted; this only reads it
 * again (once per doc: callers keep the answer while `desired` is the same object).
 */
import { fromBase64, parseJsonBytes, type ReleaseManifest } from '@edgefleet/protocol';
import { sameRelease, type AcceptedDesired } from '../state/device-state';

export function trafficShareOf(desired: AcceptedDesired | null): number | null {
  if (!desired?.shadow) return null;
  const bytes = fromBase64(desired.envelope.payload);
  if (!bytes) return null;
  let doc: unknown;
  try {
    doc = parseJsonBytes(bytes, 'deployment doc');
  } catch {
    return null;
  }
  const share = typeof doc === 'object' && doc !== null && 'trafficShare' in doc ? doc.trafficShare : undefined;
  return typeof share === 'number' && share > 0 && share < 1 ? share : null;
}

/**
 * The share the running shadow answers under the accepted doc, or null: only the shadow that doc
 * names answers (between a doc naming another shadow, or none, and the unload of the old one,
 * every request is the serving model's). Runtimes ask per request, so the share is read from a
 * doc once and remembered while the doc is the same object.
 */
export class TrafficShares {
  private last: { desired: AcceptedDesired | null; share: number | null } = { desired: null, share: null };

  shareOf(desired: AcceptedDesired | null, running: ReleaseManifest | null): number | null {
    if (running === null) return null;
    if (this.last.desired !== desired) this.last = { desired, share: trafficShareOf(desired) };
    const { share } = this.last;
    return share !== null && desired?.shadow && sameRelease(desired.shadow.manifest, running) ? share : null;
  }
}
