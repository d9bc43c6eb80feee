/**
 * What PostgreSQL costs the hub (issue 12, docs/scaling.md), beside SQLite measured in the same
 * run as the baseline. Each hub runs in this process with the registry either in the SQLite
 * file in its data dir or in a fresh database on one private PostgreSQL 15. That server is on
 * this machine, over loopback TCP, with fsync off as the test server runs it. SQLite runs WAL
 * with synchronous=NORMAL, so neither engine waits for a disk flush on commit.
 *
 * Hot paths, at two fleet sizes (so the per-device cost shows whether it grows with the fleet),
 * each engine twice in alternating order, each measure the faster of its two runs:
 * - enrolment through the API, 8 requests in flight;
 * - the rollout controller's first pass, assigning every device;
 * - an idle controller tick;
 * - the fleet listing.
 * Then statistics ingestion (ingest-bench.ts, sustained run only) at one size.
 *
 * On PostgreSQL the bench also counts the hub's queries (round trips) and the server's CPU
 * (postgres-probe.ts). SQLite runs inside the hub's process, so its queries and CPU are the hub's.
 *
 *   npx tsx fleet-sim/src/bench/database-bench.ts [--quick]   (needs Debian's postgresql; BENCH_DB_SIZES=1000,4000)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startHub, type Hub } from '@edgefleet/hub';
import { startPostgres } from '../../../test/support/postgres';
import { runIngestBench, type HubRunFigures } from './ingest-bench';
import { call, enrolAll } from './ingest/hub-api';
import { machineLine, median, silentLogger } from './measure';
import { countQueries, serverCpuSeconds, type QueryTally } from './postgres-probe';
import { fixed, table } from './report';
import { controllerRunsMs, NO_SCHEDULED_ROLLOUT_TICK, timeFirstPass, uploadVadVersions } from './rollout-bench';

const TOKEN = 'database-bench-admin-token-0123456789';
const REPEATS = 5;

type Engine = 'SQLite' | 'PostgreSQL';
const ENGINES: readonly Engine[] = ['SQLite', 'PostgreSQL'];

/** What a measure reads of the database server; SQLite has none (it runs inside the hub's process). */
interface Probe {
  queries(): QueryTally;
  cpuSeconds(): number;
}

const NO_SERVER: Probe = { queries: () => ({ queries: 0, ms: 0 }), cpuSeconds: () => 0 };

/** One pass of a measure: its wall time, and on PostgreSQL the queries it sent and the server CPU it used. */
interface Cost {
  ms: number;
  queries: number;
  /** summed send-to-reply time of those queries */
  queryMs: number;
  serverCpuMs: number;
}

interface RegistryFigures {
  engine: Engine;
  devices: number;
  enrol: Cost;
  firstPass: Cost;
  idleTick: Cost;
  list: Cost;
}

interface IngestFigures {
  engine: Engine;
  hub: HubRunFigures;
  /** over the sustained run, on PostgreSQL */
  serverCores: number;
  queries: number;
  queryMs: number;
}

/**
 * Runs `work`, which makes `calls` like calls and resolves with the wall ms to report for one of
 * them; the probe's readings are divided by `calls` alike.
 */
async function measured(probe: Probe, calls: number, work: () => Promise<number>): Promise<Cost> {
  const queriesBefore = probe.queries();
  const cpuBefore = probe.cpuSeconds();
  const ms = await work();
  const queriesAfter = probe.queries();
  return {
    ms,
    queries: (queriesAfter.queries - queriesBefore.queries) / calls,
    queryMs: (queriesAfter.ms - queriesBefore.ms) / calls,
    serverCpuMs: ((probe.cpuSeconds() - cpuBefore) * 1000) / calls,
  };
}

const elapsed = async (work: () => Promise<unknown>): Promise<number> => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};

/** An empty database on the server at `serverUrl`, created as docs/scaling.md tells operators to (test/support/test-database.ts). */
async function freshDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.href;
}

async function withHub<T>(databaseUrl: string | undefined, work: (hub: Hub) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-database-bench-'));
  const hub = await startHub({ dataDir: dir, httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: TOKEN, logger: silentLogger, ...NO_SCHEDULED_ROLLOUT_TICK, databaseUrl });
  try {
    return await work(hub);
  } finally {
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Every enrolment asks for an early controller pass (late enrolments join a completed rollout),
 * coalesced and started 100 ms or more later. One still pending when the rollout is created runs
 * beside the creation's own pass and issues many of the same docs again, so the first pass is
 * measured only after it: a wait longer than that delay, then one run through the API, which
 * waits for a run in progress.
 */
async function controllerSettled(hub: Hub): Promise<void> {
  await new Promise((wake) => setTimeout(wake, 500));
  await controllerRunsMs(hub, 1);
}

/** The registry's hot paths on one fresh hub with `devices` devices. */
function registryRun(engine: Engine, devices: number, databaseUrl: string | undefined, probe: Probe): Promise<RegistryFigures> {
  return withHub(databaseUrl, async (hub) => {
    await uploadVadVersions(hub);
    const ids = Array.from({ length: devices }, (_, i) => `db-${String(i).padStart(5, '0')}`);
    const enrol = await measured(probe, 1, () => elapsed(() => enrolAll(hub, ids)));
    await controllerSettled(hub);
    const firstPass = await measured(probe, 1, () => timeFirstPass(hub));
    const idleTick = await measured(probe, REPEATS, async () => median(await controllerRunsMs(hub, REPEATS)));
    const listing = () => call<{ devices: Array<{ assignment: { version: string } | null }> }>(hub, 'GET', '/api/v1/devices');
    const listed = await listing();
    const assigned = listed.devices.filter((device) => device.assignment?.version === '2').length;
    if (listed.devices.length !== devices || assigned !== devices) throw new Error(`${engine}: listed ${listed.devices.length} devices, ${assigned} assigned by the rollout, of ${devices}`);
    const list = await measured(probe, REPEATS, async () => {
      const times: number[] = [];
      for (let i = 0; i < REPEATS; i++) times.push(await elapsed(listing));
      return median(times);
    });
    return { engine, devices, enrol, firstPass, idleTick, list };
  });
}

/**
 * The ingest bench's sustained run on one engine. The server's CPU and the queries are read at
 * the run's own progress lines, so they cover the sustained run alone (not the training,
 * enrolment or warm-up before it).
 */
async function ingestRun(engine: Engine, size: { devices: number; windowsPerDevice: number }, databaseUrl: string | undefined, probe: Probe): Promise<IngestFigures> {
  type Mark = { at: number; cpu: number; tally: QueryTally };
  const mark = (): Mark => ({ at: performance.now(), cpu: probe.cpuSeconds(), tally: probe.queries() });
  let start: Mark | undefined;
  let end: Mark | undefined;
  const figures = await runIngestBench({
    ...size,
    overloadFactor: 0,
    storm: false,
    databaseUrl,
    log: (line) => {
      if (line === 'hub: sustained run') start = mark();
      else if (line.startsWith('hub: ') && line.includes('windows/s committed')) end = mark();
    },
  });
  if (!start || !end) throw new Error('the ingest bench did not log the start and end of its sustained run');
  const queries = end.tally.queries - start.tally.queries;
  return { engine, hub: figures.hub, serverCores: (end.cpu - start.cpu) / ((end.at - start.at) / 1000), queries, queryMs: end.tally.ms - start.tally.ms };
}

type MeasureName = 'enrol' | 'firstPass' | 'idleTick' | 'list';
const MEASURES: ReadonlyArray<{ key: MeasureName; title: string; perDevice: 'ms' | 'us' }> = [
  { key: 'enrol', title: 'Enrolment (POST /api/v1/devices, 8 in flight), all devices', perDevice: 'ms' },
  { key: 'firstPass', title: "Rollout controller's first pass (one step, ring '*'), assigning every device", perDevice: 'ms' },
  { key: 'idleTick', title: 'Idle controller tick (POST /api/v1/jobs/rollout-controller/run, durationMs), median of 5', perDevice: 'us' },
  { key: 'list', title: 'Fleet listing (GET /api/v1/devices, assignments included), median of 5', perDevice: 'us' },
];

/** Each measure from whichever of two runs (one engine, one size) made it faster. */
function fasterOf(a: RegistryFigures | undefined, b: RegistryFigures | undefined): RegistryFigures {
  if (!a || !b) throw new Error('a registry run is missing');
  const faster = { ...a };
  for (const { key } of MEASURES) if (b[key].ms < a[key].ms) faster[key] = b[key];
  return faster;
}

const perDevice = (cost: Cost, devices: number, unit: 'ms' | 'us'): number => (cost.ms / devices) * (unit === 'us' ? 1000 : 1);

function measureTable(measure: (typeof MEASURES)[number], runs: readonly RegistryFigures[], sizes: readonly number[]): string {
  const { key, title, perDevice: unit } = measure;
  const of = (engine: Engine, devices: number): RegistryFigures => {
    const run = runs.find((r) => r.engine === engine && r.devices === devices);
    if (!run) throw new Error(`no ${engine} run at ${devices} devices`);
    return run;
  };
  const cell = (cost: Cost, devices: number): string => `${fixed(cost.ms, cost.ms < 10 ? 1 : 0)} ms (${fixed(perDevice(cost, devices, unit), unit === 'ms' ? 2 : 1)} ${unit}/device)`;
  const rows = sizes.map((devices) => {
    const sqlite = of('SQLite', devices)[key];
    const postgres = of('PostgreSQL', devices)[key];
    return [
      String(devices),
      cell(sqlite, devices),
      cell(postgres, devices),
      `${fixed(postgres.ms / sqlite.ms, 2)}x`,
      `${fixed(postgres.queries / devices, 2)} (${fixed(postgres.queries > 0 ? postgres.queryMs / postgres.queries : 0, 2)} ms)`,
      `${fixed((postgres.serverCpuMs / devices) * 1000, 0)} us`,
    ];
  });
  const small = sizes[0] as number;
  const large = sizes[sizes.length - 1] as number;
  const growth = (engine: Engine): string => fixed(perDevice(of(engine, large)[key], large, unit) / perDevice(of(engine, small)[key], small, unit), 2);
  return [
    title,
    table(['devices', 'SQLite (baseline)', 'PostgreSQL', 'PG / SQLite', 'PG queries/device (mean round trip)', 'PG server CPU/device'], rows),
    `per device from ${small} to ${large} devices: SQLite ${growth('SQLite')}x, PostgreSQL ${growth('PostgreSQL')}x`,
  ].join('\n');
}

function ingestTable(runs: readonly IngestFigures[]): string {
  const sqlite = runs.find((r) => r.engine === 'SQLite');
  if (!sqlite) throw new Error('no SQLite ingest run');
  const rows = runs.map(({ engine, hub, serverCores, queries, queryMs }) => [
    engine === 'SQLite' ? 'SQLite (baseline)' : engine,
    `${fixed(hub.storedRate, 0)}/s`,
    `${fixed(hub.storedRate / sqlite.hub.storedRate, 2)}x`,
    `${hub.stored}/${hub.windows}`,
    fixed(hub.brokerCores, 2),
    `${fixed(hub.cpuMicrosPerWindow, 0)} us`,
    engine === 'SQLite' ? 'n/a' : fixed(serverCores, 2),
    engine === 'SQLite' ? 'n/a' : `${fixed(queries / hub.windows, 3)} (${fixed(queries > 0 ? queryMs / queries : 0, 2)} ms)`,
    `${fixed(hub.ackLatencyP50Ms, 0)} / ${fixed(hub.ackLatencyP99Ms, 0)} ms`,
  ]);
  return table(['registry', 'committed', 'vs SQLite', 'stored / sent', 'hub process cores', 'hub CPU/window', 'PG server cores', 'PG queries/window (mean round trip)', 'PUBACK p50 / p99'], rows);
}

export async function databaseSection(options: { quick: boolean }): Promise<string> {
  const sizes = (process.env.BENCH_DB_SIZES ?? (options.quick ? '300,1000' : '1000,4000')).split(',').map(Number);
  const ingestSize = options.quick ? { devices: 100, windowsPerDevice: 20 } : { devices: 400, windowsPerDevice: 30 };
  const machine = machineLine();
  const server = await startPostgres();
  const tally = countQueries();
  try {
    const cpuSeconds = await serverCpuSeconds(server.url);
    const postgres: Probe = { queries: tally.read, cpuSeconds };
    let databases = 0;
    const database = async (): Promise<string> => freshDatabase(server.url, `bench_${++databases}`);
    const run = async (engine: Engine, devices: number): Promise<RegistryFigures> =>
      engine === 'SQLite' ? registryRun(engine, devices, undefined, NO_SERVER) : registryRun(engine, devices, await database(), postgres);
    const registry: RegistryFigures[] = [];
    for (const devices of sizes) {
      // Two rounds, the second in the other order, each measure the faster of its two: the first
      // hub of the process runs cold, and a neighbour's burst on this shared machine lands on one.
      const first = [await run('SQLite', devices), await run('PostgreSQL', devices)];
      const second = [await run('PostgreSQL', devices), await run('SQLite', devices)];
      for (const engine of ENGINES) registry.push(fasterOf(first.find((r) => r.engine === engine), second.find((r) => r.engine === engine)));
    }
    const ingest = [await ingestRun('SQLite', ingestSize, undefined, NO_SERVER), await ingestRun('PostgreSQL', ingestSize, await database(), postgres)];
    return [
      `Registry on PostgreSQL beside SQLite (the baseline), same run, a fresh hub and database per run, each figure the faster of two rounds (the second in the other order): ${server.version}, private, loopback TCP, fsync off; SQLite WAL synchronous=NORMAL; the hub in this process; ${machine}`,
      ...MEASURES.map((measure) => measureTable(measure, registry, sizes)),
      `Statistics ingestion (ingest-bench.ts sustained run: ${ingestSize.devices} devices x ${ingestSize.windowsPerDevice} windows, QoS 1, no overload or storm); hub cores leave out the PostgreSQL server, whose CPU is its own column`,
      ingestTable(ingest),
    ].join('\n\n');
  } finally {
    tally.stop();
    await server.stop();
  }
}

if (process.argv[1]?.endsWith('database-bench.ts')) {
  console.log(await databaseSection({ quick: process.argv.includes('--quick') }));
}
