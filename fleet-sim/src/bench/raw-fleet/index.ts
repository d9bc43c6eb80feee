/**
 * The fleet benchmark's baseline: a bare aedes (broker.ts) and plain MQTT clients (clients.ts),
 * each in child processes, doing what the hub and its devices do in the measured run: hold one
 * retained doc per device, take a reconnect storm, and fan out a new doc to every device.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forkIpcChild, type IpcChild } from '../../ipc-child';
import type { HubUsage } from '../../hub-process';

export interface RawFleet {
  url: string;
  connect(): Promise<void>;
  /** cut every connection (no DISCONNECT); `connect` again is the reconnect storm */
  drop(): Promise<void>;
  /** a new retained doc for every device, all published at once */
  publishAll(): Promise<void>;
  /** arrival times (epoch ms) per device since the last call */
  arrivals(): Promise<Map<string, number[]>>;
  /** the bare broker's process (no peak: it is never reset) */
  usage(): Promise<Omit<HubUsage, 'peakRssBytes'>>;
  close(): Promise<void>;
}

export async function startRawFleet(devices: readonly string[], options: { docBytes: number; devicesPerProcess: number }): Promise<RawFleet> {
  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-raw-fleet-'));
  const optionsFile = join(dir, 'broker.json');
  await writeFile(optionsFile, JSON.stringify({ devices, docBytes: options.docBytes }));
  const broker = await forkIpcChild<{ url: string }>(new URL('./broker.ts', import.meta.url), { EDGEFLEET_RAW_BROKER_FILE: optionsFile }).finally(() => rm(dir, { recursive: true, force: true }));
  const clients: IpcChild<true>[] = [];
  for (let start = 0; start < devices.length; start += options.devicesPerProcess) {
    clients.push(await forkIpcChild<true>(new URL('./clients.ts', import.meta.url), { EDGEFLEET_RAW_CLIENTS: JSON.stringify({ url: broker.ready.url, devices: devices.slice(start, start + options.devicesPerProcess) }) }));
  }
  const all = async (cmd: string): Promise<unknown[]> => Promise.all(clients.map((c) => c.request(cmd)));
  return {
    url: broker.ready.url,
    connect: async () => {
      await all('connect');
    },
    drop: async () => {
      await all('drop');
    },
    publishAll: async () => {
      await broker.request('publish-all');
    },
    arrivals: async () => {
      const out = new Map<string, number[]>();
      for (const part of await all('arrivals')) for (const [device, times] of Object.entries(part as Record<string, number[]>)) out.set(device, times);
      return out;
    },
    usage: async () => (await broker.request('usage')) as Omit<HubUsage, 'peakRssBytes'>,
    close: async () => {
      await Promise.all(clients.map((c) => c.request('stop').catch(() => undefined)));
      await broker.request('stop').catch(() => undefined);
    },
  };
}
