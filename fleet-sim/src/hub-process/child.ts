/**
 * A hub in a process of its own (index.ts drives it through ../ipc-child.ts), so whoever drives
 * a fleet against it never shares its event loop and its CPU and memory are read apart from the
 * fleet's. Options come in EDGEFLEET_HUB_PROCESS (JSON); once listening it sends
 * `{ ready: { httpUrl, mqttUrl, httpPort, mqttPort } }`, then answers `{ id, cmd: 'usage' | 'gc' |
 * 'stop' }` with `{ id, result }`. When its parent goes away (IPC disconnect) it closes the hub
 * and exits.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { startHub, type Hub } from '@edgefleet/hub';
import { z } from 'zod';

const hubProcessOptionsSchema = z.strictObject({
  dataDir: z.string(),
  /** 0 = ephemeral */
  httpPort: z.number().int().min(0),
  /** 0 = ephemeral */
  mqttPort: z.number().int().min(0),
  adminToken: z.string(),
  statsIntervalS: z.number().int().min(1).optional(),
  rolloutSchedule: z.string().optional(),
  driftSchedule: z.string().optional(),
  /** a replica of several (issue 12): its shared database, external broker and names */
  databaseUrl: z.string().optional(),
  brokerUrl: z.string().optional(),
  brokerProvisioning: z.enum(['none', 'mosquitto-dynsec']).optional(),
  brokerShareGroup: z.string().optional(),
  brokerClientId: z.string().optional(),
  replicaId: z.string().optional(),
  publicUrl: z.string().optional(),
  leaseTtlS: z.number().int().min(1).optional(),
  /** 'warnings': the hub's warnings and errors on stderr (`hub: ...`), info dropped; 'silent': nothing */
  log: z.enum(['warnings', 'silent']),
});
export type HubChildOptions = z.infer<typeof hubProcessOptionsSchema>;

export interface HubReady {
  httpUrl: string;
  mqttUrl: string;
  httpPort: number;
  mqttPort: number;
}

export interface HubUsage {
  rssBytes: number;
  heapUsedBytes: number;
  /** user + system CPU since start, microseconds */
  cpuMicros: number;
  connections: number;
  /** the process's peak resident set since it started or since the last 'reset-peak' (Linux VmHWM) */
  peakRssBytes: number;
}

const commandSchema = z.strictObject({ id: z.number().int(), cmd: z.enum(['usage', 'gc', 'reset-peak', 'stop']) });

/** VmHWM from /proc/self/status; elsewhere the peak Node reports (which no reset affects). */
async function peakRss(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  const kib = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
  return (kib === undefined ? process.resourceUsage().maxRSS : Number(kib)) * 1024;
}

const toStderr = (message: string, fields?: object): void => {
  process.stderr.write(`hub: ${message}${fields ? ` ${JSON.stringify(fields).slice(0, 300)}` : ''}\n`);
};
const loggers = {
  warnings: { info: () => undefined, warn: toStderr, error: toStderr },
  silent: { info: () => undefined, warn: () => undefined, error: () => undefined },
};

async function main(): Promise<void> {
  const options = hubProcessOptionsSchema.parse(JSON.parse(process.env.EDGEFLEET_HUB_PROCESS ?? '{}'));
  const { log, ...hubOptions } = options;
  const hub: Hub = await startHub({ ...hubOptions, host: '127.0.0.1', logger: loggers[log] });
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => (closing ??= hub.close());
  const connections = async (): Promise<number> => {
    const response = await fetch(`${hub.httpUrl}/api/v1/broker/stats`, { headers: { authorization: `Bearer ${hub.adminToken}` } });
    const body = (await response.json()) as { broker: { connections?: number } };
    return body.broker.connections ?? 0;
  };
  process.on('message', (raw: unknown) => {
    const parsed = commandSchema.safeParse(raw);
    if (!parsed.success) return;
    const { id, cmd } = parsed.data;
    const answer = (result: unknown, then?: () => void): void => void process.send?.({ id, result }, undefined, undefined, then);
    if (cmd === 'gc') {
      globalThis.gc?.();
      answer(null);
    } else if (cmd === 'reset-peak') {
      // Linux: "5" resets the peak resident set (VmHWM) to the current one (proc(5), clear_refs).
      void writeFile('/proc/self/clear_refs', '5').then(
        () => answer(true),
        () => answer(false),
      );
    } else if (cmd === 'usage') {
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      void Promise.all([connections(), peakRss()]).then(([count, peak]) => answer({ rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, cpuMicros: cpu.user + cpu.system, connections: count, peakRssBytes: peak } satisfies HubUsage));
    } else {
      // Exit once the answer is on its way (process.exit right after send could drop it).
      void close().then(() => answer(null, () => process.exit(0)));
    }
  });
  process.on('disconnect', () => void close().finally(() => process.exit(0)));
  const ready: HubReady = { httpUrl: hub.httpUrl, mqttUrl: hub.mqttUrl, httpPort: Number(new URL(hub.httpUrl).port), mqttPort: Number(new URL(hub.mqttUrl).port) };
  process.send?.({ ready });
}

main().catch((error: unknown) => {
  process.stderr.write(`hub process failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
