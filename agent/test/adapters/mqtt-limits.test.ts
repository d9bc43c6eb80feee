/**
 * Issue 16 items 1 and 6, on a real agent: what it accepts off MQTT is bounded.
 * Given a device serving vad@1 through a real broker (aedes),
 * when a deployment doc carrying two releases inline with a large probe arrives at exactly
 * MAX_SIGNED_DOC_BYTES, then the agent verifies it and serves vad@2;
 * when the same doc one byte longer arrives, then it is refused with E_TOO_LARGE and vad@2
 * keeps answering;
 * when a hostile broker announces a 100 MB publish, then the agent drops the connection from the
 * packet's header (its memory does not grow by the packet), logs it, connects again later and
 * answers predictions all along.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { MAX_DEVICE_PACKET_BYTES, MAX_SIGNED_DOC_BYTES, desiredTopic, inlineProbe, type Envelope, type ReleaseManifest, type TensorJson } from '@edgefleet/protocol';
import type { Agent } from '../../src/agent';
import type { AgentOptions } from '../../src/config';
import { makeDeployment } from '../../../test/fixtures/signing';
import { FAST_TUNING } from '../support/agent-options';
import { SILERO_V6, sileroInputs, sileroRelease, type SileroRelease } from '../support/silero';
import { startTestDevice, type TestDevice } from '../support/test-device';
import { nextReport } from '../support/wait';

const DEVICE = 'dev-limits';

/** An MQTT "broker" that speaks just enough 3.1.1 to let a client in, then sends what a test wants. */
interface HostileBroker {
  url: string;
  /** CONNECTs received so far */
  connects: number;
  /** called once the client subscribed, with its socket and the connection's number (1, 2, ...) */
  onSubscribed: (socket: Socket, connection: number) => void;
  close(): Promise<void>;
}

const varint = (value: number): number[] => {
  const bytes: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    bytes.push(byte);
  } while (value > 0);
  return bytes;
};

async function startHostileBroker(): Promise<HostileBroker> {
  const sockets = new Set<Socket>();
  const broker: HostileBroker = {
    url: '',
    connects: 0,
    onSubscribed: () => {},
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    let connection = 0;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        let length = 0;
        let multiplier = 1;
        let at = 1;
        for (; at < buffered.length && at <= 4; at++) {
          const byte = buffered[at] ?? 0;
          length += (byte & 0x7f) * multiplier;
          multiplier *= 128;
          if ((byte & 0x80) === 0) break;
        }
        if (at >= buffered.length || buffered.length < at + 1 + length) return;
        const header = buffered[0] ?? 0;
        const type = header >> 4;
        const body = buffered.subarray(at + 1, at + 1 + length);
        buffered = buffered.subarray(at + 1 + length);
        if (type === 1) {
          connection = ++broker.connects;
          socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
        } else if (type === 8) {
          // SUBACK granting QoS 1 to both topics, then the test's move.
          socket.write(Buffer.from([0x90, 0x04, body[0] ?? 0, body[1] ?? 0, 0x01, 0x01]));
          broker.onSubscribed(socket, connection);
        } else if (type === 3 && (header & 0x06) !== 0) {
          const topicLength = ((body[0] ?? 0) << 8) | (body[1] ?? 0);
          socket.write(Buffer.from([0x40, 0x02, body[2 + topicLength] ?? 0, body[3 + topicLength] ?? 0]));
        } else if (type === 12) {
          socket.write(Buffer.from([0xd0, 0x00]));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  broker.url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return broker;
}

/** A retained QoS 0 PUBLISH on `topic` announcing `size` payload bytes, streamed in 1 MiB chunks until sent or the socket closes. */
function sendHugePublish(socket: Socket, topic: string, size: number): Promise<number> {
  const topicBytes = Buffer.from(topic);
  socket.write(Buffer.from([0x31, ...varint(2 + topicBytes.length + size), topicBytes.length >> 8, topicBytes.length & 255, ...topicBytes]));
  const chunk = Buffer.alloc(1024 * 1024, 0x7b);
  let sent = 0;
  return new Promise((resolve) => {
    const pump = (): void => {
      while (sent < size && !socket.destroyed) {
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      resolve(sent);
    };
    socket.once('close', () => resolve(sent));
    pump();
  });
}

describe('what the agent reads off MQTT is bounded', () => {
  let device: TestDevice;
  let agent: Agent;
  let v1: SileroRelease;
  let v2: SileroRelease;
  const warnings: Array<{ message: string; fields: Record<string, unknown> }> = [];
  const logger: AgentOptions['logger'] = {
    debug: () => {},
    info: () => {},
    warn: (message, fields) => warnings.push({ message, fields: (fields ?? {}) as Record<string, unknown> }),
    error: () => {},
  };

  const predict = async (inputs: Record<string, TensorJson>) => {
    const res = await fetch(`${agent.localUrl}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs }) });
    return { status: res.status, body: (await res.json()) as { version: string; outputs: Record<string, TensorJson> } };
  };

  /**
   * A deployment doc for vad@2 carrying both releases inline, the previous one with a large probe
   * (never run: the device keeps its own fallback), as an envelope of exactly `size` bytes (its
   * JSON padded with trailing whitespace, which JSON allows).
   */
  const docOfSize = async (seq: number, size: number): Promise<string> => {
    const active = await device.signed(v2.manifest);
    const build = async (elements: number): Promise<string> => {
      const padding: TensorJson = { type: 'float32', dims: [elements], data: new Array<number>(elements).fill(0.123456) };
      const probe = inlineProbe(v1.manifest.probe, 'vad@1');
      const previous: ReleaseManifest = { ...v1.manifest, probe: { ...probe, inputs: { ...probe.inputs, padding } } };
      const envelope: Envelope = await device.signed(makeDeployment(active, { device: DEVICE, seq, previous: await device.signed(previous) }));
      return JSON.stringify(envelope);
    };
    const small = await build(1_000);
    // Each element is 9 JSON bytes, base64-encoded twice (manifest, then doc): 16 bytes of envelope.
    let elements = 1_000 + Math.floor((size - 2_048 - small.length) / 16);
    let json = await build(elements);
    while (json.length > size) json = await build((elements -= 64));
    return json + ' '.repeat(size - json.length);
  };

  beforeAll(async () => {
    device = await startTestDevice({ deviceId: DEVICE, tmpPrefix: 'agent-mqtt-limits-' });
    v1 = await sileroRelease({ baseUrl: device.hub.httpUrl, version: '1', releaseCounter: 1 });
    v2 = await sileroRelease({ baseUrl: device.hub.httpUrl, version: '2', releaseCounter: 2 }, SILERO_V6);
    device.hub.artifacts.set(v1.sha256, v1.bytes);
    device.hub.artifacts.set(v2.sha256, v2.bytes);
    agent = await device.start({ logger });
    await device.publishAndServe(await device.deploy(1, v1.manifest), '1');
  });

  afterAll(() => device?.close());

  it('accepts a doc of two inline releases at exactly MAX_SIGNED_DOC_BYTES over a real broker', async () => {
    const doc = await docOfSize(2, MAX_SIGNED_DOC_BYTES);
    expect(doc.length).toBe(MAX_SIGNED_DOC_BYTES);
    // Mostly content, not padding: the inline releases and their probes.
    expect(doc.trimEnd().length).toBeGreaterThan(MAX_SIGNED_DOC_BYTES - 4_096);
    const serving = nextReport(agent, (s) => s.phase === 'serving' && s.active?.version === '2' && s.seq === 2, 'serving vad@2 from the doc at the limit');
    await device.hub.publish(desiredTopic(DEVICE), doc);
    await serving;
    expect((await predict(sileroInputs(2))).body.version).toBe('2');
  });

  it('refuses the same doc one byte over the limit with E_TOO_LARGE, and vad@2 keeps answering', async () => {
    const before = await predict(sileroInputs(3));
    const refused = nextReport(agent, (s) => s.error?.code === 'E_TOO_LARGE', 'E_TOO_LARGE reported');
    await device.hub.publish(desiredTopic(DEVICE), await docOfSize(3, MAX_SIGNED_DOC_BYTES + 1));
    const state = await refused;
    expect(state.error?.message).toContain(`${MAX_SIGNED_DOC_BYTES + 1} bytes; devices accept at most ${MAX_SIGNED_DOC_BYTES}`);
    expect(state).toMatchObject({ phase: 'serving', seq: 2, active: { version: '2' } });
    const after = await predict(sileroInputs(3));
    expect(after.status).toBe(200);
    expect(after.body.outputs).toEqual(before.body.outputs);
  });

  it('drops a 100 MB publish from a hostile broker by its header, reconnects, and keeps answering', async () => {
    await agent.close();
    const hostile = await startHostileBroker();
    const HUGE = 100 * 1024 * 1024;
    const attacks: Array<Promise<number>> = [];
    hostile.onSubscribed = (socket, connection) => {
      // The first two connections get the attack; the third is left alone.
      if (connection <= 2) attacks.push(sendHugePublish(socket, desiredTopic(DEVICE), HUGE));
    };
    try {
      let servedVersion = '';
      const baseline = process.memoryUsage();
      let peakRss = baseline.rss;
      let peakBuffers = baseline.arrayBuffers;
      const sampler = setInterval(() => {
        const now = process.memoryUsage();
        peakRss = Math.max(peakRss, now.rss);
        peakBuffers = Math.max(peakBuffers, now.arrayBuffers);
      }, 5);
      try {
        agent = await device.start({ logger, brokerUrl: hostile.url, tuning: { ...FAST_TUNING, credentialRetryMs: 300 } });
        const inputs = sileroInputs(4);
        const first = await predict(inputs);
        expect(first.status).toBe(200);
        servedVersion = first.body.version;
        await expect.poll(() => hostile.connects, { timeout: 30_000, interval: 50 }).toBeGreaterThanOrEqual(3);
        const during = await predict(inputs);
        expect(during.status).toBe(200);
        expect(during.body.outputs).toEqual(first.body.outputs);
        const sent = await Promise.all(attacks);
        expect(sent).toHaveLength(2);
      } finally {
        clearInterval(sampler);
      }
      const refusals = warnings.filter((w) => w.message === 'mqtt packet too large; disconnecting');
      expect(refusals.length).toBe(2);
      expect(refusals[0]?.fields).toMatchObject({ limit: MAX_DEVICE_PACKET_BYTES });
      expect(String(refusals[0]?.fields.reason)).toContain(`exceeds the limit of ${MAX_DEVICE_PACKET_BYTES}`);
      // Two 100 MB packets announced; what the agent held of them is a few socket reads.
      expect(peakBuffers - baseline.arrayBuffers).toBeLessThan(24 * 1024 * 1024);
      expect(peakRss - baseline.rss).toBeLessThan(64 * 1024 * 1024);
      expect(agent.status()).toMatchObject({ phase: 'serving', active: { version: servedVersion } });
      await expect.poll(() => agent.status().hub.state, { timeout: 10_000 }).toBe('connected');
    } finally {
      await agent.close();
      await hostile.close();
    }
  }, 120_000);
});
