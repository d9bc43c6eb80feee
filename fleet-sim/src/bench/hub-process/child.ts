/**
 * A hub in its own process for the fleet benchmark, so its CPU and memory are measured apart
 * from the simulated fleet's. Started by hub-process.ts over IPC: `{ cmd: 'usage' | 'gc' | 'stop' }`.
 */
import { startHub, type Hub } from '@edgefleet/hub';
import { z } from 'zod';

const optionsSchema = z.strictObject({
  dataDir: z.string(),
  httpPort: z.number().int().min(0),
  mqttPort: z.number().int().min(0),
  adminToken: z.string(),
  statsIntervalS: z.number().int().min(1).optional(),
  rolloutSchedule: z.string().optional(),
});
export type HubProcessOptions = z.infer<typeof optionsSchema>;

const commandSchema = z.strictObject({ id: z.number().int(), cmd: z.enum(['usage', 'gc', 'stop']) });

export interface HubUsage {
  rssBytes: number;
  heapUsedBytes: number;
  /** user + system CPU since start, microseconds */
  cpuMicros: number;
  connections: number;
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function main(): Promise<void> {
  const options = optionsSchema.parse(JSON.parse(process.env.EDGEFLEET_BENCH_HUB ?? '{}'));
  const hub: Hub = await startHub({ ...options, host: '127.0.0.1', logger: silent });
  const stats = async (): Promise<number> => {
    const response = await fetch(`${hub.httpUrl}/api/v1/broker/stats`, { headers: { authorization: `Bearer ${hub.adminToken}` } });
    const body = (await response.json()) as { broker: { connections?: number } };
    return body.broker.connections ?? 0;
  };
  process.on('message', (raw: unknown) => {
    const parsed = commandSchema.safeParse(raw);
    if (!parsed.success) return;
    const { id, cmd } = parsed.data;
    const answer = (result: unknown): void => void process.send?.({ id, result });
    if (cmd === 'gc') {
      globalThis.gc?.();
      answer(null);
    } else if (cmd === 'usage') {
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      void stats().then((connections) => answer({ rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, cpuMicros: cpu.user + cpu.system, connections } satisfies HubUsage));
    } else {
      void hub.close().then(() => {
        answer(null);
        process.exit(0);
      });
    }
  });
  const mqttPort = Number(new URL(hub.mqttUrl).port);
  const httpPort = Number(new URL(hub.httpUrl).port);
  process.send?.({ ready: { httpUrl: hub.httpUrl, mqttUrl: hub.mqttUrl, httpPort, mqttPort, adminToken: hub.adminToken } });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench hub failed: ${String(error)}\n`);
  process.exit(1);
});
