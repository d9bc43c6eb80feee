/**
 * The demo's hub: the real one (startHub), on the contract's ports 8080 and 1883 when they are
 * free, otherwise on ephemeral ones (and the caller is told which, so it can say so). Its
 * controller ticks every 2 s instead of 10 s, agents close statistics windows every few
 * seconds and the drift job judges every minute instead of every hour (EDGEFLEET_DRIFT_PERIOD_S):
 * the same code paths as production, only faster, so a staged rollout and a drift alert fit in
 * minutes.
 */
import { createServer } from 'node:net';
import { ensureConsoleBuilt, startHub, type Hub, type Logger } from '@edgefleet/hub';

export interface DemoHubOptions {
  dataDir: string;
  host: string;
  adminToken: string;
  statsIntervalS: number;
  /** the drift period: statistics buckets and drift evaluations; default DEMO_DRIFT_PERIOD_S */
  driftPeriodS?: number;
  /** 'contract': 8080/1883 with fallback; 'ephemeral': port 0 for both (tests, parallel runs) */
  ports: 'contract' | 'ephemeral';
  logger: Logger;
}

export interface DemoHub {
  hub: Hub;
  /** what did not go as asked, in words (e.g. "port 8080 is busy: HTTP on 41234") */
  notes: string[];
}

const CONTRACT_PORTS = { httpPort: 8080, mqttPort: 1883 } as const;
/** The rollout controller's cron tick (seconds field first): often enough that a 20 s bake ends within 2 s of its time. */
export const DEMO_ROLLOUT_SCHEDULE = '*/2 * * * * *';
/** The shortest drift period the hub takes: a drift alert can open a minute or two after drifted windows arrive. */
export const DEMO_DRIFT_PERIOD_S = 60;

/** Whether `port` can be bound on `host` right now (the answer may change before the hub binds: see the retry below). */
function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

const addressInUse = (error: unknown): boolean => {
  for (let e: unknown = error; e instanceof Error; e = e.cause) if ('code' in e && e.code === 'EADDRINUSE') return true;
  return false;
};

export async function startDemoHub(options: DemoHubOptions): Promise<DemoHub> {
  const notes: string[] = [];
  // The rollout is watched and steered in the admin console (and /web runs it in a browser): built once, on the first demo.
  if (await ensureConsoleBuilt()) notes.push('built the admin console and the /web page (npm run build)');
  let ports: { httpPort: number; mqttPort: number } = { httpPort: 0, mqttPort: 0 };
  if (options.ports === 'contract') {
    ports = { ...CONTRACT_PORTS };
    if (!(await portFree(CONTRACT_PORTS.httpPort, options.host))) {
      ports.httpPort = 0;
      notes.push(`port ${CONTRACT_PORTS.httpPort} is busy: HTTP on an ephemeral port`);
    }
    if (!(await portFree(CONTRACT_PORTS.mqttPort, options.host))) {
      ports.mqttPort = 0;
      notes.push(`port ${CONTRACT_PORTS.mqttPort} is busy: MQTT on an ephemeral port`);
    }
  }
  const start = (p: { httpPort: number; mqttPort: number }): Promise<Hub> =>
    startHub({
      dataDir: options.dataDir,
      host: options.host,
      ...p,
      adminToken: options.adminToken,
      statsIntervalS: options.statsIntervalS,
      rolloutSchedule: DEMO_ROLLOUT_SCHEDULE,
      driftPeriodS: options.driftPeriodS ?? DEMO_DRIFT_PERIOD_S,
      logger: options.logger,
    });
  try {
    return { hub: await start(ports), notes };
  } catch (error) {
    // Someone took a port between the probe and the bind: ephemeral ports cannot collide.
    if (!addressInUse(error) || (ports.httpPort === 0 && ports.mqttPort === 0)) throw error;
    notes.push('a port was taken while the hub started: HTTP and MQTT on ephemeral ports');
    return { hub: await start({ httpPort: 0, mqttPort: 0 }), notes };
  }
}
