/**
 * Where a release's probe goes (issue 11 item 7): inline in the signed manifest while its JSON is
 * small, else out of line as a hash-addressed probe blob that the manifest names by
 * `{ sha256, size, tolerance }` (protocol probe-ref.ts). An image probe is megabytes of JSON and
 * every agent fetches the manifest, while only devices installing the release need the probe.
 * Pure: the caller stores the blob and hands back its address.
 */
import { isProbeRef, type Probe, type ReleaseProbe } from '@edgefleet/protocol';

/** Probe blobs (`{ inputs, expected }` JSON) up to this many bytes stay inline, as before. */
export const PROBE_INLINE_MAX_BYTES = 64 * 1024;

export const probeStaysInline = (blobBytes: number): boolean => blobBytes <= PROBE_INLINE_MAX_BYTES;

/** The manifest's probe: the probe itself, or the reference to its stored blob. */
export function manifestProbe(probe: Probe, stored: { sha256: string; size: number } | null): ReleaseProbe {
  return stored === null ? probe : { sha256: stored.sha256, size: stored.size, tolerance: probe.tolerance };
}

/** The probe blob hash a manifest probe names, null when the probe is inline. */
export const probeBlobHash = (probe: ReleaseProbe): string | null => (isProbeRef(probe) ? probe.sha256 : null);
