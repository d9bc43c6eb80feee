/**
 * The fleet benchmark's hub, in a child process (child.ts): its CPU and memory are read apart
 * from the simulated fleet's, and it can be stopped or killed and started again on the same data
 * dir and ports (a hub restart under load).
 */
import { forkIpcChild } from '../ipc-child';
import type { HubProcessOptions, HubUsage } from './child';

export type { HubUsage };

export interface HubProcess {
  httpUrl: string;
  mqttUrl: string;
  httpPort: number;
  mqttPort: number;
  adminToken: string;
  usage(): Promise<HubUsage>;
  /** a full garbage collection (the child runs with --expose-gc), before reading memory */
  gc(): Promise<void>;
  /** a clean stop (hub.close()) */
  stop(): Promise<void>;
  /** SIGKILL: a crash, nothing closed */
  kill(): Promise<void>;
}

interface Ready {
  httpUrl: string;
  mqttUrl: string;
  httpPort: number;
  mqttPort: number;
  adminToken: string;
}

export async function startHubProcess(options: HubProcessOptions): Promise<HubProcess> {
  const child = await forkIpcChild<Ready>(new URL('./child.ts', import.meta.url), { EDGEFLEET_BENCH_HUB: JSON.stringify(options) }, ['--expose-gc', '--max-old-space-size=4096']);
  return {
    ...child.ready,
    usage: async () => (await child.request('usage')) as HubUsage,
    gc: async () => {
      await child.request('gc');
    },
    stop: async () => {
      await child.request('stop');
      await child.exited;
    },
    kill: () => child.kill(),
  };
}
