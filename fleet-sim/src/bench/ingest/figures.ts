/**
 * The ingest bench's options and the figures it returns: the shapes the run, the report and the
 * callers (bench/index.ts) share, apart from the code that fills them.
 */
export interface IngestBenchOptions {
  /** device connections (one mqtt.js client each); default 400 */
  devices?: number;
  /** windows each device publishes in the sustained runs; default 50 */
  windowsPerDevice?: number;
  /** numeric features of the trained model (sets the payload size); default 8 */
  features?: number;
  /** predictions counted per window; default 500 */
  rowsPerWindow?: number;
  /** QoS 1 publishes a device keeps in flight; default 8 */
  inflightPerDevice?: number;
  /** the overload run offers this multiple of the hub's sustained rate; default 2 (0 skips it) */
  overloadFactor?: number;
  /** how long the overload run offers that rate; default 10 s */
  overloadSeconds?: number;
  /** end with a reconnect storm (every device drops and comes back at once); default true */
  storm?: boolean;
  /** progress lines; default none */
  log?: (line: string) => void;
  /** the hub's registry on this PostgreSQL database (an empty one); default SQLite in a temp dir */
  databaseUrl?: string;
}

export interface RunFigures {
  windows: number;
  acked: number;
  seconds: number;
  /** acknowledged windows per second, first publish to last PUBACK */
  rate: number;
  ackLatencyP50Ms: number;
  ackLatencyP99Ms: number;
  /** client connections that closed during the run */
  disconnects: number;
  /** CPU used during the run, in cores: the broker's (and hub's) process, all its threads, until the last commit; the publishers' */
  brokerCores: number;
  publisherCores: number;
  /** CPU seconds of the broker's process during the run */
  cpuSeconds: number;
  /** time its main thread was busy (not waiting for I/O) during the run */
  mainBusySeconds: number;
  /** main-thread event-loop delay of the broker's process during the run */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

export interface HubRunFigures extends RunFigures {
  /** windows the hub committed per second, first publish to the last commit (`rate` is PUBACKs/s) */
  storedRate: number;
  /** CPU of the hub's process (all its threads) per committed window */
  cpuMicrosPerWindow: number;
  /** windows acknowledged to their device but not committed yet when the last PUBACK arrived (0: PUBACK after commit) */
  ackedNotStored: number;
  /** windows counted in the stored hourly buckets (the stats API) */
  stored: number;
  /** ingest counters of the hub: accepted stats windows, duplicates and other refusals */
  received: number;
  duplicates: number;
  refused: number;
  /** predictions in the merged buckets against what was sent */
  storedRows: number;
  sentRows: number;
}

export interface OverloadFigures extends HubRunFigures {
  offeredRate: number;
  offeredSeconds: number;
  /** windows committed per second while the load was offered */
  acceptedRateWhileOffered: number;
  /** from the end of the offer until the last commit */
  drainSeconds: number;
  /** GET /api/v1/broker/stats during the run */
  httpP99Ms: number;
}

export interface StormFigures {
  devices: number;
  /** from the drop until every device's state report and presence was committed */
  seconds: number;
  connectP50Ms: number;
  connectP99Ms: number;
  failed: number;
  /** devices online in the registry afterwards */
  online: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  httpP99Ms: number;
}

export interface IngestBenchFigures {
  devices: number;
  payloadBytes: number;
  raw: RunFigures;
  hub: HubRunFigures;
  /** hub rate / raw rate (goal >= 0.5) */
  ratio: number;
  overload: OverloadFigures | null;
  storm: StormFigures | null;
}
