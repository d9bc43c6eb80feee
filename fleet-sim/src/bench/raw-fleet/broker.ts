/**
 * The baseline of the fleet benchmark: a bare aedes (its own default in-memory persistence, no
 * authentication, no ACL, no hub) in a child process, holding one retained message per device of
 * the same size as the hub's deployment docs. Same machine, same run, same clients: what the
 * broker alone costs. IPC: `{ cmd: 'publish-all' | 'usage' | 'stop' }`.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

// The options travel in a file: 10,000 device ids exceed what one environment variable may hold (E2BIG).
const options = z.strictObject({ devices: z.array(z.string()), docBytes: z.number().int().min(1) }).parse(JSON.parse(readFileSync(process.env.EDGEFLEET_RAW_BROKER_FILE ?? '', 'utf8')));
const commandSchema = z.strictObject({ id: z.number().int(), cmd: z.enum(['publish-all', 'usage', 'stop']) });
const topicOf = (id: string): string => `ef/v1/d/${id}/desired`;

async function main(): Promise<void> {
  const broker = await Aedes.createBroker();
  const publish = (topic: string, payload: Buffer): Promise<void> =>
    new Promise((resolve, reject) => broker.publish({ cmd: 'publish', topic, payload, qos: 1, retain: true, dup: false }, (error) => (error ? reject(error) : resolve())));
  let generation = 0;
  const docOf = (): Buffer => Buffer.alloc(options.docBytes, 48 + (generation % 10));
  for (const id of options.devices) await publish(topicOf(id), docOf());
  const server = createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 8192 }, resolve));
  process.on('message', (raw: unknown) => {
    const parsed = commandSchema.safeParse(raw);
    if (!parsed.success) return;
    const { id, cmd } = parsed.data;
    const answer = (result: unknown): void => void process.send?.({ id, result });
    if (cmd === 'usage') {
      const cpu = process.cpuUsage();
      answer({ rssBytes: process.memoryUsage().rss, heapUsedBytes: process.memoryUsage().heapUsed, cpuMicros: cpu.user + cpu.system, connections: broker.connectedClients });
    } else if (cmd === 'publish-all') {
      generation++;
      // As the hub's rollout does: every device's new doc handed to the broker in one go.
      void Promise.all(options.devices.map((device) => publish(topicOf(device), docOf()))).then(() => answer(null));
    } else {
      broker.close(() => {
        server.close();
        answer(null);
        process.exit(0);
      });
    }
  });
  process.send?.({ ready: { url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}` } });
}

main().catch((error: unknown) => {
  process.stderr.write(`raw broker failed: ${String(error)}\n`);
  process.exit(1);
});
