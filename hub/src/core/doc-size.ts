/**
 * The hub never signs or sends a document its devices would refuse for its size (issue 16 item
 * 1): a release manifest over MAX_RELEASE_MANIFEST_BYTES (a deployment doc's reference to it
 * fails the device's schema), or a deployment doc over MAX_SIGNED_DOC_BYTES. Both are refused
 * with E_DOC_TOO_LARGE (422) naming the size and the limit, when the version is registered and
 * again when it is assigned (a version registered before these limits). Pure.
 */
import { envelopeBytes, MAX_RELEASE_MANIFEST_BYTES, MAX_SIGNED_DOC_BYTES, type Envelope } from '@edgefleet/protocol';
import { HubError } from './errors';

/** Throws E_DOC_TOO_LARGE when the signed manifest of `release` (its envelope's bytes) exceeds what devices fetch. */
export function refuseOversizedManifest(release: { model: string; version: string }, size: number): void {
  if (size <= MAX_RELEASE_MANIFEST_BYTES) return;
  throw new HubError(
    'E_DOC_TOO_LARGE',
    `the signed release manifest of ${release.model}@${release.version} is ${size} bytes; devices accept at most ${MAX_RELEASE_MANIFEST_BYTES} (MAX_RELEASE_MANIFEST_BYTES): it is mostly the I/O spec and the reference profile, so fewer inputs, outputs or reference features make it fit`,
    { details: { document: 'release', size, limit: MAX_RELEASE_MANIFEST_BYTES } },
  );
}

/** The same for a manifest just signed, measured as devices fetch it (envelopeBytes, what a reference's size counts). */
export const refuseOversizedRelease = (release: { model: string; version: string }, envelope: Envelope): void => refuseOversizedManifest(release, envelopeBytes(envelope).length);

/** Throws E_DOC_TOO_LARGE when the deployment doc envelope for `device` (its JSON bytes) exceeds what devices accept. */
export function refuseOversizedDoc(device: string, size: number): void {
  if (size <= MAX_SIGNED_DOC_BYTES) return;
  throw new HubError('E_DOC_TOO_LARGE', `the deployment doc of device ${device} is ${size} bytes; devices accept at most ${MAX_SIGNED_DOC_BYTES} (MAX_SIGNED_DOC_BYTES)`, {
    details: { document: 'deployment', size, limit: MAX_SIGNED_DOC_BYTES },
  });
}
