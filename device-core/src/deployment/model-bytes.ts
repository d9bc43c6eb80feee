/**
 * The model bytes a device runs must be exactly the ones its verified release manifest names
 * (THREATS 1): the same size and SHA-256 as `artifact`. Checked on the whole bytes before they
 * are loaded, whatever they came from (a download, a cache that may have been damaged). Pure:
 * WebCrypto via the protocol package.
 */
import { sha256Hex, type ReleaseManifest } from '@edgefleet/protocol';

export type ModelBytesVerdict =
  | { ok: true }
  /** what the bytes are instead, for the refusal's message */
  | { ok: false; size: number; sha256: string };

export async function checkModelBytes(artifact: Pick<ReleaseManifest['artifact'], 'sha256' | 'size'>, bytes: Uint8Array): Promise<ModelBytesVerdict> {
  const sha256 = await sha256Hex(bytes);
  return bytes.length === artifact.size && sha256 === artifact.sha256 ? { ok: true } : { ok: false, size: bytes.length, sha256 };
}
