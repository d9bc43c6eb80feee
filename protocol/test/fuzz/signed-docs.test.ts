/**
 * Fuzzing what an agent (or a browser device) receives on its retained topics: deployment docs
 * and trust documents, through the protocol's verify functions and the device core's trust
 * message judgement. Arbitrary bytes, arbitrary JSON, mutations of a valid envelope, and
 * mutations of a valid payload signed again with the trusted keys (as a buggy hub would sign
 * them). Every outcome is a ProtocolError with a known code (naming the field when it is a schema
 * or JSON refusal) or a verdict on exactly the signed content; never another exception.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ERROR_CODES,
  ProtocolError,
  buildTrustDoc,
  fromBase64,
  generateSigningKey,
  signBytes,
  signPayload,
  signTrustDoc,
  toBase64,
  trustDocSchema,
  utf8Encode,
  verifyDeployment,
  verifyInitialTrust,
  verifyTrustUpdate,
  type DeploymentContext,
  type Envelope,
  type SigningKey,
  type TrustDoc,
} from '@edgefleet/protocol';
import { classifyTrustMessage } from '@edgefleet/device-core';
import { makeDeployment, makeRelease, makeTestTrust, type TestTrust } from '../../../test/fixtures/signing';
import { anyJson, fuzz, hostileBytes, mutationOf, namesField, type Json, type Mutated } from '../../../test/support/fuzz';

let t: TestTrust;
let ctx: DeploymentContext;
let deploymentPayload: Json;
let deploymentEnvelope: Envelope;
let nextRoot: SigningKey;
let trustV2: TrustDoc;
let trustV2Envelope: Envelope;

beforeAll(async () => {
  t = await makeTestTrust();
  const release = await signPayload(makeRelease({ releaseCounter: 5 }), [t.release]);
  deploymentPayload = makeDeployment(release, { seq: 4 }) as unknown as Json;
  deploymentEnvelope = await signPayload(deploymentPayload, [t.release]);
  ctx = { trust: t.trust, deviceId: 'dev-1', now: new Date(), lastSeq: 3, active: null, runtime: { version: '1.30.0', maxOpset: 21 } };
  nextRoot = (await generateSigningKey()).key;
  trustV2 = buildTrustDoc({ version: 2, expires: new Date(Date.now() + 365 * 86_400_000), rootKeys: [nextRoot], releaseKeys: [t.release] });
  trustV2Envelope = await signTrustDoc(trustV2, [t.root, nextRoot]);
});

type Outcome<T> = { ok: true; value: T } | { ok: false; error: ProtocolError };

/** The promise's value or its ProtocolError; anything else thrown fails the property as it is. */
async function settle<T>(promise: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    if (error instanceof ProtocolError) return { ok: false, error };
    throw error;
  }
}

function expectRefused<T>(outcome: Outcome<T>): ProtocolError {
  expect(outcome.ok, 'hostile input was accepted').toBe(false);
  if (outcome.ok) throw new Error('unreachable');
  expect(ERROR_CODES).toContain(outcome.error.code);
  return outcome.error;
}

/** A schema or JSON refusal names the field the mutation touched. */
function expectNamed(error: ProtocolError, mutated: Mutated): void {
  if (error.code !== 'E_SCHEMA' && error.code !== 'E_BAD_JSON') return;
  // A payload that no longer parses as an envelope at all says so without a field.
  if (/envelope\.?payload is not base64|not valid UTF-8 JSON/.test(error.message)) return;
  expect(namesField(error.message, mutated.path), `${mutated.kind} at ${JSON.stringify(mutated.path)}: ${error.message}`).toBe(true);
}

const bytesOf = (text: string): Uint8Array => utf8Encode(text);
const anyJsonBytes = (): fc.Arbitrary<Uint8Array> => anyJson().map((value) => bytesOf(JSON.stringify(value)));

describe('fuzzing deployment docs (verifyDeployment)', () => {
  it('arbitrary bytes and JSON are refused with a typed error', async () => {
    await fuzz(
      fc.asyncProperty(fc.oneof(hostileBytes(), anyJsonBytes()), async (bytes) => {
        expectRefused(await settle(verifyDeployment(bytes, ctx)));
      }),
    );
  });

  it('a mutated envelope is refused, or verifies to exactly the signed doc', async () => {
    await fuzz(
      fc.asyncProperty(mutationOf(deploymentEnvelope as unknown as Json), async (mutated) => {
        const outcome = await settle(verifyDeployment(bytesOf(mutated.text), ctx));
        if (outcome.ok) {
          expect(outcome.value.kind).toBe('accept');
          if (outcome.value.kind === 'accept') expect(outcome.value.doc).toEqual(deploymentPayload);
          return;
        }
        expectNamed(expectRefused(outcome), mutated);
      }),
      { numRuns: 200 },
    );
  });

  it('a mutated payload signed with the release key: refused naming the field, or a verdict on the mutated doc', async () => {
    await fuzz(
      fc.asyncProperty(mutationOf(deploymentPayload), async (mutated) => {
        const envelope = await signBytes(bytesOf(mutated.text), [t.release]);
        const outcome = await settle(verifyDeployment(envelope, ctx));
        if (outcome.ok) {
          // whatever was accepted is the signed payload itself, read back
          if (outcome.value.kind === 'accept') expect(JSON.stringify(outcome.value.doc)).toBe(JSON.stringify(JSON.parse(mutated.text)));
          return;
        }
        expectNamed(expectRefused(outcome), mutated);
      }),
      { numRuns: 200 },
    );
  });
});

describe('fuzzing trust documents (verifyTrustUpdate, verifyInitialTrust, classifyTrustMessage)', () => {
  const now = (): Date => new Date();

  it('arbitrary bytes and JSON are refused with a typed error, and classifying them never throws', async () => {
    await fuzz(
      fc.asyncProperty(fc.oneof(hostileBytes(), anyJsonBytes()), async (bytes) => {
        expectRefused(await settle(verifyTrustUpdate(t.trust, bytes, now())));
        expectRefused(await settle(verifyInitialTrust(bytes, now())));
        expect(() => classifyTrustMessage(t.trust, bytes)).not.toThrow();
      }),
    );
  });

  it('a mutated trust envelope is refused, or verifies to exactly the signed version 2 and is classified a rotation', async () => {
    await fuzz(
      fc.asyncProperty(mutationOf(trustV2Envelope as unknown as Json), async (mutated) => {
        const bytes = bytesOf(mutated.text);
        const outcome = await settle(verifyTrustUpdate(t.trust, bytes, now()));
        // A rotation the verifier takes must never be dropped as a redelivery by the device.
        if (outcome.ok) {
          expect(outcome.value).toEqual(trustV2);
          expect(classifyTrustMessage(t.trust, bytes).kind).toBe('rotate');
        } else {
          expectNamed(expectRefused(outcome), mutated);
          expect(() => classifyTrustMessage(t.trust, bytes)).not.toThrow();
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a mutated version-2 payload signed by both roots: refused naming the field, or a valid trust doc', async () => {
    await fuzz(
      fc.asyncProperty(mutationOf(trustV2 as unknown as Json), async (mutated) => {
        const envelope = await signBytes(bytesOf(mutated.text), [t.root, nextRoot]);
        const outcome = await settle(verifyTrustUpdate(t.trust, envelope, now()));
        if (outcome.ok) {
          expect(trustDocSchema.safeParse(outcome.value).success).toBe(true);
          expect(outcome.value.version).toBe(2);
          return;
        }
        const error = expectRefused(outcome);
        // A version that does not follow 1 is E_ROOT_CHAIN, whatever else is wrong with the doc.
        if (error.code !== 'E_ROOT_CHAIN') expectNamed(error, mutated);
      }),
      { numRuns: 200 },
    );
  });

  it('a trust payload that is not the signed bytes is never believed: E_SIG_* or E_ROOT_CHAIN', async () => {
    await fuzz(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), async (noise, at) => {
        const bytes = fromBase64(trustV2Envelope.payload);
        if (!bytes) throw new Error('fixture payload is not base64');
        const tampered = Uint8Array.from(bytes);
        noise.forEach((b, i) => (tampered[(at + i) % tampered.length] = b));
        const signed = trustV2Envelope.signatures;
        const outcome = await settle(verifyTrustUpdate(t.trust, { payload: toBase64(tampered), signatures: signed }, now()));
        if (outcome.ok) expect(outcome.value).toEqual(trustV2);
        else expectRefused(outcome);
      }),
    );
  });
});
