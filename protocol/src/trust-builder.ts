/**
 * Building and signing trust documents. A trust document is signed by several root key holders,
 * often on different offline machines: the payload bytes are fixed once (`draftTrustDoc`), and
 * each holder adds a signature over those exact bytes (`addTrustSignature`); thresholds are
 * counted when the document is verified, never here.
 */
import { fromBase64, toBase64 } from './bytes';
import { encodePayload, signBytes, signPayload, type SigningKey } from './envelope';
import { ProtocolError } from './errors';
import { envelopeSchema, signatureSchema, type Envelope } from './schemas/common';
import type { TrustDoc } from './schemas/trust';
import * as z from 'zod';

/** What a trust document needs of a key: its id and raw public key (a SigningKey has both). */
export type PublicKeyRef = Pick<SigningKey, 'keyid' | 'publicRaw'>;

export interface TrustDocInput {
  version: number;
  expires: Date;
  rootKeys: readonly PublicKeyRef[];
  releaseKeys: readonly PublicKeyRef[];
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
      root: { keyids: [...new Set(input.rootKeys.map((k) => k.keyid))], threshold: input.rootThreshold ?? 1 },
      release: { keyids: [...new Set(input.releaseKeys.map((k) => k.keyid))], threshold: input.releaseThreshold ?? 1 },
    },
  };
}

/** Signs a trust document with root keys (for a rotation: the old and the new root keys). */
export const signTrustDoc = (doc: TrustDoc, rootKeys: readonly SigningKey[]): Promise<Envelope> => signPayload(doc, rootKeys);

/**
 * A trust document on its way to being signed: the envelope's shape with any number of
 * signatures (none yet, some holders', all of them). Once its thresholds are met it is an
 * ordinary Envelope.
 */
export const trustDraftSchema = z.strictObject({
  payload: z.string().min(1),
  signatures: z.array(signatureSchema).max(32),
});
export type TrustDraft = z.infer<typeof trustDraftSchema>;

/** The unsigned draft of `doc`: its payload bytes are fixed here, every holder signs these. */
export const draftTrustDoc = (doc: TrustDoc): TrustDraft => ({ payload: toBase64(encodePayload(doc)), signatures: [] });

/**
 * Adds `key`'s signature over the draft's exact payload bytes (replacing an earlier one by the
 * same key, so signing twice changes nothing). The payload is never re-encoded.
 */
export async function addTrustSignature(draft: TrustDraft, key: SigningKey): Promise<TrustDraft> {
  const bytes = fromBase64(draft.payload);
  if (!bytes) throw new ProtocolError('E_SCHEMA', 'trust draft payload is not base64');
  const [signature] = (await signBytes(bytes, [key])).signatures;
  if (!signature) throw new ProtocolError('E_SCHEMA', 'signing produced no signature');
  return { payload: draft.payload, signatures: [...draft.signatures.filter((s) => s.keyid !== key.keyid), signature] };
}

/** The draft as an envelope, or null while it carries no signature at all. */
export function draftAsEnvelope(draft: TrustDraft): Envelope | null {
  const parsed = envelopeSchema.safeParse(draft);
  return parsed.success ? parsed.data : null;
}
