/**
 * The ingest bench's publisher process: mqtt.js device clients that connect, publish statistics
 * windows as fast as their in-flight caps allow (or at a paced rate) and storm-reconnect, driven
 * over IPC by `Publisher` (publisher.ts). It runs in a child process so the figures are the
 * broker's and the hub's main thread, not the publishers'.
 */
import { resolve } from 'node:path';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { onlineTopic, stateTopic, statsTopic } from '@edgefleet/protocol';
import { DEVICE_MARK, MSG_MARK, nowMs, type ChildMessage, type ParentMessage } from './messages';

export async function publisherMain(): Promise<void> {
  const connectDevice = async (to: string, options: IClientOptions): Promise<MqttClient> => {
    const client = await connectAsync(to, options);
    client.on('close', () => void disconnects++);
    // Nagle off on the device side (agents' sockets are small-message too); the broker's side is its own.
    if (client.stream instanceof Socket) client.stream.setNoDelay(true);
    return client;
  };
  const send = (message: ChildMessage): void => void process.send?.(message);
  let clients: Array<{ id: string; client: MqttClient; inflight: number; before: string; after: string; options: IClientOptions }> = [];
  let url = '';
  let template = '';
  let inflightCap = 8;
  let verbose = false;
  let disconnects = 0;

  const onMessage = async (message: ParentMessage): Promise<void> => {
    if (message.type === 'connect') {
      inflightCap = message.inflight;
      verbose = message.verbose;
      url = message.url;
      template = message.template;
      let failed = 0;
      const queue = [...message.devices];
      const connectOne = async (): Promise<void> => {
        for (let device = queue.shift(); device; device = queue.shift()) {
          try {
            // clean: false: an unacknowledged window is sent again after a reconnect, like an agent's outbox.
            const options: IClientOptions = {
              clientId: device.id,
              ...(device.secret === null ? {} : { username: device.id, password: device.secret }),
              protocolVersion: 4,
              clean: false,
              reconnectPeriod: 1_000,
              connectTimeout: 30_000,
              keepalive: 120,
            };
            const client = await connectDevice(message.url, options);
            const [before = '', after = ''] = template.split(DEVICE_MARK).join(device.id).split(MSG_MARK);
            clients.push({ id: device.id, client, inflight: 0, before, after, options });
          } catch {
            failed++;
          }
        }
      };
      await Promise.all(Array.from({ length: 16 }, connectOne));
      send({ type: 'connected', failed });
      return;
    }
    if (message.type === 'storm') {
      // Every connection drops at once; every device comes back at once and reports its state and presence.
      await Promise.all(clients.map(({ client }) => client.endAsync(true)));
      const connectMs: number[] = [];
      let failed = 0;
      const at = new Date().toISOString();
      await Promise.all(
        clients.map(async (entry) => {
          const t0 = nowMs();
          try {
            entry.client = await connectDevice(url, entry.options);
            connectMs.push(nowMs() - t0);
            const state = { device: entry.id, seq: message.seq, phase: 'idle', active: null, previous: null, error: null, agent: { version: '0.1.0', runtime: '1.30.0' }, at };
            await Promise.all([entry.client.publishAsync(stateTopic(entry.id), JSON.stringify(state), { qos: 1 }), entry.client.publishAsync(onlineTopic(entry.id), '{"online":true}', { qos: 1 })]);
          } catch {
            failed++;
          }
        }),
      );
      send({ type: 'stormed', failed, connectMs });
      return;
    }
    if (message.type === 'run') {
      disconnects = 0;
      const latencies: number[] = [];
      let published = 0;
      let acked = 0;
      let lastAckAt = 0;
      let ackedByOfferEnd = -1;
      let offerEndedAt = 0;
      let failures = 0;
      const progress = setInterval(() => verbose && process.stderr.write(`publisher ${message.run}: published ${published}, acked ${acked}, failed ${failures}, disconnects ${disconnects}\n`), 5_000);
      const cpuBefore = process.cpuUsage();
      const firstPublishAt = nowMs();
      const total = clients.length * message.perDevice;
      const next = new Map<string, number>();
      const payloadOf = (entry: (typeof clients)[number], seq: number): string => `${entry.before}${message.run}-${entry.id}-${seq}${entry.after}`;
      const done = new Promise<void>((resolveDone) => {
        const publishOne = (entry: (typeof clients)[number], scheduledAt: number): boolean => {
          const seq = next.get(entry.id) ?? 0;
          if (seq >= message.perDevice || entry.inflight >= inflightCap) return false;
          next.set(entry.id, seq + 1);
          entry.inflight++;
          published++;
          entry.client.publish(statsTopic(entry.id), payloadOf(entry, seq), { qos: 1 }, (error) => {
            entry.inflight--;
            if (error) {
              failures++;
              return;
            }
            acked++;
            lastAckAt = nowMs();
            latencies.push(lastAckAt - scheduledAt);
            if (acked === total) resolveDone();
            else if (message.ratePerSecond === null) publishOne(entry, nowMs());
          });
          return true;
        };
        if (message.ratePerSecond === null) {
          // As fast as allowed: every device keeps its in-flight window full.
          for (const entry of clients) for (let i = 0; i < inflightCap; i++) publishOne(entry, nowMs());
          return;
        }
        // Paced: `ratePerSecond` spread over the devices for `seconds`; a device at its in-flight cap
        // keeps its due windows (delayed, never dropped), like an outbox.
        const rate = message.ratePerSecond;
        const offerMs = (message.seconds ?? 10) * 1000;
        const due = new Map<(typeof clients)[number], number[]>();
        let issued = 0;
        const tick = setInterval(() => {
          const elapsed = nowMs() - firstPublishAt;
          const target = elapsed >= offerMs ? total : Math.min(total, Math.floor((elapsed / 1000) * rate));
          for (; issued < target; issued++) {
            const entry = clients[issued % clients.length];
            if (!entry) continue;
            const times = due.get(entry) ?? [];
            times.push(firstPublishAt + (issued / rate) * 1000);
            due.set(entry, times);
          }
          for (const [entry, times] of due) {
            while (times.length > 0 && publishOne(entry, times[0] ?? 0)) times.shift();
            if (times.length === 0) due.delete(entry);
          }
          if (elapsed >= offerMs && offerEndedAt === 0) {
            offerEndedAt = nowMs();
            ackedByOfferEnd = acked;
          }
          if (issued >= total && due.size === 0) clearInterval(tick);
        }, 2);
      });
      await done;
      clearInterval(progress);
      if (ackedByOfferEnd < 0) {
        offerEndedAt = lastAckAt;
        ackedByOfferEnd = acked;
      }
      const cpu = process.cpuUsage(cpuBefore);
      send({ type: 'done', run: message.run, cpuSeconds: (cpu.user + cpu.system) / 1e6, published, acked, firstPublishAt, lastAckAt, offerEndedAt, ackedByOfferEnd, latencies, disconnects });
    }
  };
  process.on('message', (message: ParentMessage) => void onMessage(message));
  process.on('disconnect', () => {
    for (const { client } of clients) client.end(true);
    clients = [];
    process.exit(0);
  });
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) await publisherMain();
