/**
 * Plain MQTT devices for the baseline (child process): each connects as its id, subscribes to its
 * own desired topic, and notes when each retained message arrives. IPC:
 * `{ cmd: 'connect' | 'drop' | 'arrivals' | 'stop' }`; arrival times are epoch ms.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { z } from 'zod';

const options = z.strictObject({ url: z.string(), devices: z.array(z.string()) }).parse(JSON.parse(process.env.EDGEFLEET_RAW_CLIENTS ?? '{}'));
const commandSchema = z.strictObject({ id: z.number().int(), cmd: z.enum(['connect', 'drop', 'arrivals', 'stop']) });

const clients = new Map<string, MqttClient>();
/** per device: when each message arrived since the last `arrivals` call */
let arrivals = new Map<string, number[]>();

function connectOne(device: string): void {
  const client = mqtt.connect(options.url, { clientId: device, clean: true, reconnectPeriod: 1_000, connectTimeout: 30_000, protocolVersion: 4 });
  client.on('connect', () => void client.subscribe(`ef/v1/d/${device}/desired`, { qos: 1 }));
  client.on('message', () => {
    const list = arrivals.get(device) ?? [];
    list.push(Date.now());
    arrivals.set(device, list);
  });
  client.on('error', () => undefined);
  clients.set(device, client);
}

process.on('message', (raw: unknown) => {
  const parsed = commandSchema.safeParse(raw);
  if (!parsed.success) return;
  const { id, cmd } = parsed.data;
  const answer = (result: unknown): void => void process.send?.({ id, result });
  if (cmd === 'connect') {
    for (const device of options.devices) connectOne(device);
    answer(null);
  } else if (cmd === 'drop') {
    // Connections cut without DISCONNECT, as when a broker restarts under them.
    for (const client of clients.values()) client.end(true);
    clients.clear();
    answer(null);
  } else if (cmd === 'arrivals') {
    answer(Object.fromEntries(arrivals));
    arrivals = new Map();
  } else {
    for (const client of clients.values()) client.end(true);
    answer(null);
    process.exit(0);
  }
});
process.send?.({ ready: true });
