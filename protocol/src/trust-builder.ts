import { toBase64 } from './bytes';
import { signPayload, type SigningKey } from './envelope';
import type { Envelope } from './schemas/common';
import type { TrustDoc } from './schemas/trust';

export interface TrustDocInput {
  version: number;
  expires: Date;
  rootKeys: readonly SigningKey[];
  releaseKeys: readonly SigningKey[];
  rootThreshold?: number;
  releaseThreshold?: number;
}

/** Builds a trust document naming the given root and release keys. */
export function buildTrustDoc(input: TrustDocInput): TrustDoc {
  const keys: TrustDoc['keys'] = {};
  for (const key of [...input.rootKeys, ...input.releaseKeys]) keys[key.keyid] = { alg: 'ed25519', public: toBase64(key.publicRaw) };
  return {
    type: 'trust',
    v: 1,
    version: input.version,
    expires: input.expires.toISOString(),
    keys,
    roles: {
      root: { keyids: input.rootKeys.map((k) => k.keyid), threshold: input.rootThreshold ?? 1 },
      release: { keyids: input.releaseKeys.map((k) => k.keyid), threshold: input.releaseThreshold ?? 1 },
    },
  };
}

/** Signs a trust document with root keys (for a rotation: the old and the new root keys). */
export const signTrustDoc = (doc: TrustDoc, rootKeys: readonly SigningKey[]): Promise<Envelope> => signPayload(doc, rootKeys);
