/**
 * Issue 16 item 1: the sizes a device accepts are named once (doc-limits.ts). A deployment or
 * trust document over MAX_SIGNED_DOC_BYTES is refused with E_TOO_LARGE before its bytes are
 * parsed; one exactly at the limit is verified as any other. Release manifests, fetched by
 * reference, have their own limit. The device's MQTT packet limit holds a document at the limit
 * on the longest topic it subscribes to.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_DEVICE_PACKET_BYTES,
  MAX_RELEASE_MANIFEST_BYTES,
  MAX_SIGNED_DOC_BYTES,
  ProtocolError,
  checkEnvelopeSize,
  desiredTopic,
  parseEnvelope,
  signPayload,
  utf8Encode,
  verifyDeployment,
  type Envelope,
} from '@edgefleet/protocol';
import { makeDeployment, makeRelease, makeTestTrust, type TestTrust } from '../../test/fixtures/signing';

/** The envelope's JSON, padded with trailing whitespace (valid JSON) to exactly `size` bytes. */
function padded(envelope: Envelope, size: number): Uint8Array {
  const json = JSON.stringify(envelope);
  if (json.length > size) throw new Error(`envelope of ${json.length} bytes is already over ${size}`);
  return utf8Encode(json + ' '.repeat(size - json.length));
}

const refusal = (run: () => unknown): ProtocolError => {
  try {
    run();
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error('expected a ProtocolError');
};

describe('signed document size limits', () => {
  let trust: TestTrust;
  let doc: Envelope;

  beforeAll(async () => {
    trust = await makeTestTrust();
    const release = await signPayload(makeRelease(), [trust.release]);
    doc = await signPayload(makeDeployment(release, { device: 'dev-1', seq: 5 }), [trust.release]);
  });

  const context = () => ({ trust: trust.trust, deviceId: 'dev-1', now: new Date(), lastSeq: 0, active: null, runtime: { version: '1.30.0', maxOpset: 21 } });

  it('verifies a deployment doc of exactly MAX_SIGNED_DOC_BYTES', async () => {
    const verdict = await verifyDeployment(padded(doc, MAX_SIGNED_DOC_BYTES), context());
    expect(verdict).toMatchObject({ kind: 'accept', doc: { seq: 5 } });
  });

  it('refuses one byte more with E_TOO_LARGE naming the size and the limit, before parsing it', async () => {
    await expect(verifyDeployment(padded(doc, MAX_SIGNED_DOC_BYTES + 1), context())).rejects.toMatchObject({
      code: 'E_TOO_LARGE',
      message: `deployment envelope is ${MAX_SIGNED_DOC_BYTES + 1} bytes; devices accept at most ${MAX_SIGNED_DOC_BYTES}`,
      details: { size: MAX_SIGNED_DOC_BYTES + 1, limit: MAX_SIGNED_DOC_BYTES },
    });
    // Not JSON at all: E_BAD_JSON if it were parsed, so the size is checked first.
    const junk = new Uint8Array(MAX_SIGNED_DOC_BYTES + 1).fill(0xff);
    expect(refusal(() => parseEnvelope(junk, 'deployment')).code).toBe('E_TOO_LARGE');
    expect(refusal(() => parseEnvelope(junk, 'trust')).code).toBe('E_TOO_LARGE');
    expect(refusal(() => parseEnvelope(junk.subarray(1), 'trust')).code).toBe('E_BAD_JSON');
  });

  it('gives release manifests their own, larger limit', () => {
    expect(MAX_RELEASE_MANIFEST_BYTES).toBeGreaterThan(MAX_SIGNED_DOC_BYTES);
    expect(() => checkEnvelopeSize(MAX_RELEASE_MANIFEST_BYTES, 'release')).not.toThrow();
    expect(refusal(() => checkEnvelopeSize(MAX_RELEASE_MANIFEST_BYTES + 1, 'release'))).toMatchObject({ code: 'E_TOO_LARGE', details: { limit: MAX_RELEASE_MANIFEST_BYTES } });
    expect(refusal(() => checkEnvelopeSize(MAX_SIGNED_DOC_BYTES + 1, 'deployment'))).toMatchObject({ code: 'E_TOO_LARGE', details: { limit: MAX_SIGNED_DOC_BYTES } });
  });

  it("fits a document at the limit, on the longest device's desired topic, in a device's MQTT packet", () => {
    const topic = desiredTopic('d'.repeat(64));
    // PUBLISH QoS 1: fixed header (type byte and up to 4 bytes of remaining length), topic with its length, packet id, payload.
    const remaining = 2 + topic.length + 2 + MAX_SIGNED_DOC_BYTES;
    const lengthBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
    expect(1 + lengthBytes + remaining).toBeLessThanOrEqual(MAX_DEVICE_PACKET_BYTES);
  });
});
