/**
 * Fuzzing what the agent receives from its hub's broker: hostile payloads on its retained
 * `desired` and `trust` topics (arbitrary bytes, arbitrary JSON, mutations of a valid envelope,
 * mutations of a valid payload signed again with the trusted keys) reach a real agent serving
 * Silero VAD through a real broker. Each is refused with a known error code (a doc-rejected event)
 * or ignored; nothing trusted changes (accepted seq, serving model, pinned trust file), the model
 * keeps answering exactly as before, no message handling fails, and a valid doc is still taken
 * afterwards. Inputs the protocol itself would accept are skipped: they are no attack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ERROR_CODES,
  TRUST_TOPIC,
  buildTrustDoc,
  desiredTopic,
  generateSigningKey,
  signBytes,
  signTrustDoc,
  verifyDeployment,
  verifyTrustUpdate,
  type DeviceEvent,
  type Envelope,
  type SigningKey,
  type TensorJson,
  type TrustDoc,
} from '@edgefleet/protocol';
import type { Agent } from '../../src/agent';
import type { AgentOptions } from '../../src/config';
import { makeDeployment } from '../../../test/fixtures/signing';
import { anyJson, fuzz, hostileBytes, mutationOf, runs, type Json } from '../../../test/support/fuzz';
import { sileroInputs, sileroRelease, type SileroRelease } from '../support/silero';
import { startTestDevice, type TestDevice } from '../support/test-device';
import { nextEvent, nextReport } from '../support/wait';

const DEVICE = 'dev-fz';
/** The agent drops its connection on packets over its limit (~257 KiB, tested on their own): fuzzing stays under it. */
const MAX_PAYLOAD = 200_000;

describe('fuzzing the hub messages an agent receives', () => {
  let device: TestDevice;
  let agent: Agent;
  let v1: SileroRelease;
  let validDoc: Envelope;
  let docPayload: Json;
  let nextRoot: SigningKey;
  let trustV2: TrustDoc;
  let trustV2Envelope: Envelope;
  let served: unknown;
  let pinnedTrust = '';
  const errors: string[] = [];
  const events: DeviceEvent[] = [];
  const inputs: Record<string, TensorJson> = sileroInputs(3);

  const logger: AgentOptions['logger'] = { debug: () => {}, info: () => {}, warn: () => {}, error: (message, fields) => errors.push(JSON.stringify([message, fields])) };
  const predict = async (): Promise<unknown> => {
    const response = await fetch(`${agent.localUrl}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs }) });
    const body = (await response.json()) as { predictionIds?: unknown };
    return { status: response.status, ...body, predictionIds: null };
  };
  const trustContext = () => ({ trust: device.trust.trust, deviceId: DEVICE, now: new Date(), lastSeq: 1, active: { model: 'vad', releaseCounter: 1 }, runtime: { version: '1.30.0', maxOpset: 21 } });

  let sentinels = 0;
  /**
   * Publishes `payload` on `topic`, then a sentinel on `desired` (an envelope with a key of its
   * own, refused naming that key), and resolves with the events the payload caused once the
   * sentinel's refusal arrived: the agent handles both topics in one queue, in arrival order.
   */
  async function deliver(topic: string, payload: Uint8Array): Promise<DeviceEvent[]> {
    const from = events.length;
    const key = `sentinel-${++sentinels}`;
    const refused = nextEvent(agent, (e) => e.kind === 'doc-rejected' && (e.error?.message ?? '').includes(key), `the refusal of ${key}`, 30_000);
    await device.hub.publish(topic, payload, false);
    await device.hub.publish(desiredTopic(DEVICE), JSON.stringify({ payload: 'eA==', signatures: [{ keyid: '0'.repeat(64), sig: 'eA==' }], [key]: 1 }), false);
    const marker = await refused;
    return events.slice(from, events.lastIndexOf(marker));
  }

  async function expectNothingChanged(handled: DeviceEvent[]): Promise<void> {
    for (const event of handled) {
      expect(event.kind).toBe('doc-rejected');
      expect(ERROR_CODES).toContain(event.error?.code);
    }
    expect(agent.status()).toMatchObject({ phase: 'serving', seq: 1, active: { version: '1', sha256: v1.sha256 } });
    expect(await readFile(join(device.dataDir, 'trust.json'), 'utf8')).toBe(pinnedTrust);
    expect(await predict()).toEqual(served);
    expect(errors).toEqual([]);
  }

  beforeAll(async () => {
    device = await startTestDevice({ deviceId: DEVICE, tmpPrefix: 'agent-fuzz-' });
    v1 = await sileroRelease({ baseUrl: device.hub.httpUrl, version: '1', releaseCounter: 1 });
    device.hub.artifacts.set(v1.sha256, v1.bytes);
    agent = await device.start({ logger });
    agent.onEvent((event) => events.push(event));
    await device.publishAndServe(await device.deploy(1, v1.manifest), '1');
    served = await predict();
    pinnedTrust = await readFile(join(device.dataDir, 'trust.json'), 'utf8');
    docPayload = makeDeployment(await device.signed(v1.manifest), { device: DEVICE, seq: 2 }) as unknown as Json;
    validDoc = await device.signed(docPayload);
    nextRoot = (await generateSigningKey()).key;
    trustV2 = buildTrustDoc({ version: 2, expires: new Date(Date.now() + 365 * 86_400_000), rootKeys: [nextRoot], releaseKeys: [device.trust.release] });
    trustV2Envelope = await signTrustDoc(trustV2, [device.trust.root, nextRoot]);
  }, 60_000);

  afterAll(async () => {
    await device?.close();
  });

  const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

  it('hostile deployment docs are refused with a known code; the serving model and everything trusted stay', async () => {
    const payloads = fc.oneof(
      hostileBytes(),
      anyJson().map((value) => encode(JSON.stringify(value))),
      mutationOf(validDoc as unknown as Json).map((m) => encode(m.text)),
      // a bent doc signed by the trusted release key, as a buggy hub would sign it
      mutationOf(docPayload).map((m) => ({ signedText: m.text })),
    );
    await fuzz(
      fc.asyncProperty(payloads, async (payload) => {
        const bytes = payload instanceof Uint8Array ? payload : encode(JSON.stringify(await signBytes(encode(payload.signedText), [device.trust.release])));
        const verdict = await verifyDeployment(bytes, trustContext()).then(
          (v) => v.kind,
          () => 'refused',
        );
        // a valid doc is no attack (and would change the device); an oversized one never reaches the agent's parser
        if (verdict === 'accept' || bytes.length > MAX_PAYLOAD) return;
        await expectNothingChanged(await deliver(desiredTopic(DEVICE), bytes));
      }),
      { numRuns: runs(30), runTimeoutMs: 60_000 },
    );
  }, 300_000);

  it('hostile trust documents are refused or ignored; the pinned trust stays', async () => {
    const payloads = fc.oneof(
      hostileBytes(),
      anyJson().map((value) => encode(JSON.stringify(value))),
      mutationOf(trustV2Envelope as unknown as Json).map((m) => encode(m.text)),
      mutationOf(trustV2 as unknown as Json).map((m) => ({ signedText: m.text })),
    );
    await fuzz(
      fc.asyncProperty(payloads, async (payload) => {
        const bytes = payload instanceof Uint8Array ? payload : encode(JSON.stringify(await signBytes(encode(payload.signedText), [device.trust.root, nextRoot])));
        const rotates = await verifyTrustUpdate(device.trust.trust, bytes, new Date()).then(
          () => true,
          () => false,
        );
        if (rotates || bytes.length > MAX_PAYLOAD) return;
        await expectNothingChanged(await deliver(TRUST_TOPIC, bytes));
      }),
      { numRuns: runs(30), runTimeoutMs: 60_000 },
    );
  }, 300_000);

  it('after the fuzzing, a valid doc from the trusted key is still taken', async () => {
    const reported = nextReport(agent, (s) => s.seq === 2, 'seq 2 taken', 30_000);
    await device.hub.publish(desiredTopic(DEVICE), JSON.stringify(validDoc), false);
    expect(await reported).toMatchObject({ error: null });
    expect(agent.status()).toMatchObject({ phase: 'serving', active: { version: '1' } });
  });
});
