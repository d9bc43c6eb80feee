/**
 * What a page of the console's devices list costs the hub (issue 13): `GET /api/v1/devices` with
 * `limit=50` at 10,000 enrolled devices, the first page, a page deep in the fleet (by cursor), a
 * page filtered by ring and tag, and an id search, beside the whole fleet's listing (the API's
 * original answer, the baseline) in the same run, on SQLite and on a private PostgreSQL 15. The
 * goal is the console's: its first page under a second, of which the API is this part.
 *
 *   npx tsx fleet-sim/src/bench/device-pages-bench.ts [devices, default 10000]   (needs Debian's postgresql)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHub, type Hub } from '@edgefleet/hub';
import pg from 'pg';
import { startPostgres } from '../../../test/support/postgres';
import { call } from './ingest/hub-api';
import { machineLine, median, silentLogger } from './measure';
import { fixed, goal, table, withGoal } from './report';

const TOKEN = 'device-pages-bench-admin-token';
const REPEATS = 15;
const PAGE = 50;
const GOAL_MS = 1_000;

interface Page {
  devices: Array<{ id: string }>;
  nextCursor: string | null;
}

/** Enrols `count` devices, 8 requests in flight, in two rings, a tenth of them tagged. */
async function enrolFleet(hub: Hub, count: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await call(hub, 'POST', '/api/v1/devices', { id: `page-${String(i).padStart(5, '0')}`, ring: i % 2 === 0 ? 'north' : 'south', tags: i % 10 === 0 ? { line: 'a' } : {} });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

async function medianMs(work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return median(times);
}

interface PageFigures {
  engine: string;
  whole: number;
  first: number;
  deep: number;
  filtered: number;
  search: number;
}

async function measure(engine: string, devices: number, databaseUrl: string | undefined): Promise<PageFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-device-pages-bench-'));
  const hub = await startHub({ dataDir: dir, httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: TOKEN, logger: silentLogger, rolloutSchedule: '0 0 1 1 *', ...(databaseUrl === undefined ? {} : { databaseUrl }) });
  try {
    await enrolFleet(hub, devices);
    const page = (query: string) => call<Page>(hub, 'GET', `/api/v1/devices?${query}`);
    // A cursor deep in the fleet: the page after the 9 in 10th device.
    let cursor: string | null = null;
    const deepAt = Math.floor((devices * 0.9) / 500);
    for (let i = 0; i < deepAt; i++) cursor = (await page(`limit=500${cursor ? `&cursor=${cursor}` : ''}`)).nextCursor;
    const deep = cursor ?? '';
    const whole = await call<Page>(hub, 'GET', '/api/v1/devices');
    if (whole.devices.length !== devices) throw new Error(`${engine}: listed ${whole.devices.length} of ${devices}`);
    return {
      engine,
      whole: await medianMs(() => call(hub, 'GET', '/api/v1/devices')),
      first: await medianMs(() => page(`limit=${PAGE}`)),
      deep: await medianMs(() => page(`limit=${PAGE}&cursor=${deep}`)),
      filtered: await medianMs(() => page(`limit=${PAGE}&ring=south&tag=${encodeURIComponent('line:a')}`)),
      search: await medianMs(() => page(`limit=${PAGE}&q=0999`)),
    };
  } finally {
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function devicePagesSection(options: { devices: number }): Promise<string> {
  const { devices } = options;
  const server = await startPostgres();
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query("CREATE DATABASE device_pages TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'");
    await admin.end();
    const url = Object.assign(new URL(server.url), { pathname: '/device_pages' }).href;
    const runs = [await measure('SQLite', devices, undefined), await measure('PostgreSQL', devices, url)];
    const ms = (value: number, whole?: number) => `${fixed(value, 1)} ms${whole === undefined ? '' : ` (${fixed(value / whole, 3)}x)`}`;
    return [
      `Devices pages (GET /api/v1/devices, limit=${PAGE}) at ${devices} enrolled devices, median of ${REPEATS}; baseline = the whole fleet's listing (no limit) in the same run; ${server.version} private, loopback TCP; ${machineLine()}`,
      table(
        ['registry', 'whole listing (baseline)', 'first page', 'a page 9/10 in (cursor)', 'ring + tag filter', 'id search (q)'],
        runs.map((r) => [r.engine, ms(r.whole), withGoal(ms(r.first, r.whole), goal(`< ${GOAL_MS} ms`, r.first < GOAL_MS)), ms(r.deep, r.whole), ms(r.filtered, r.whole), ms(r.search, r.whole)]),
      ),
    ].join('\n');
  } finally {
    await server.stop();
  }
}

if (process.argv[1]?.endsWith('device-pages-bench.ts')) {
  const devices = Number(process.argv[2] ?? 10_000);
  console.log(await devicePagesSection({ devices }));
}
