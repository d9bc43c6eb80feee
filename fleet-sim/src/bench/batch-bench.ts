/**
 * Batch jobs beside live requests (issue 17 item 3: "live requests keep their latency (p99
 * measured in the benchmark) while a job runs"). A real hub trains the machine-health classifier
 * (linear, with its reference profile); a real agent process (agent/src/main.ts, as `npm run
 * agent` runs it) serves it. This process sends live POST /v1/predict requests of one row, one
 * after another over a keep-alive connection, and measures their latency:
 *
 * 1. alone (the baseline, in the same run);
 * 2. while a 100,000-row CSV batch job runs on the same agent;
 * 3. alone again (how far the machine drifted between 1 and 3).
 *
 * Then the same job alone, for the batch rows/s without live load beside the rows/s under it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startHub } from '@edgefleet/hub';
import { MACHINE_FEATURES, machineCsv, machineRows } from '../demo/machine-data';
import { AdminApi, trainMachineVersion } from '../lean/hub-api';
import { adminCall, machineLine, quantile, silentLogger, spawnLines, waitFor } from './measure';
import { fixed, table } from './report';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const ROWS = 100_000;

interface Job {
  id: string;
  state: string;
  rowsDone: number;
  startedAt: string | null;
  finishedAt: string | null;
}

interface Phase {
  label: string;
  micros: number[];
  rowsPerSecond: number | null;
}

export async function batchSection(options: { quick: boolean }): Promise<string> {
  const started = performance.now();
  const requests = options.quick ? 1_000 : 5_000;
  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-batch-bench-'));
  const hub = await startHub({ dataDir: join(dir, 'hub'), httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: 'bench-admin-token-0123456789', logger: silentLogger, rolloutSchedule: '0 0 1 1 *', driftSchedule: '0 0 1 1 *', retrainSchedule: '0 0 1 1 *' });
  let agent: ReturnType<typeof spawnLines> | null = null;
  try {
    await trainMachineVersion(new AdminApi({ httpUrl: hub.httpUrl, adminToken: hub.adminToken }), { model: 'machines', version: '1', seed: 1 });
    const { secret } = await adminCall<{ secret: string }>(hub, 'POST', '/api/v1/devices', { id: 'bench-batch' });
    await adminCall(hub, 'PUT', '/api/v1/devices/bench-batch/assignment', { model: 'machines', version: '1' });
    const dataDir = join(dir, 'agent');
    agent = spawnLines(process.execPath, ['--import', 'tsx', join(REPO, 'agent/src/main.ts')], {
      cwd: REPO,
      env: { ...process.env, EDGEFLEET_HUB_URL: hub.httpUrl, EDGEFLEET_DEVICE_ID: 'bench-batch', EDGEFLEET_DEVICE_SECRET: secret, EDGEFLEET_AGENT_DATA_DIR: dataDir, EDGEFLEET_AGENT_PORT: '0' },
    });
    const listening = await agent.line((l) => l.includes('"local API listening"'));
    const url = (JSON.parse(listening.line) as { url: string }).url;
    const get = async <T>(path: string): Promise<T> => (await (await fetch(`${url}${path}`)).json()) as T;
    await waitFor('the agent serving machines@1', async () => ((await get<{ phase: string }>('/v1/status')).phase === 'serving' ? true : undefined), 60_000, 100);
    await writeFile(join(dataDir, 'batch', 'rows.csv'), machineCsv(ROWS, 7));

    // One row per request, drawn from the same machines as the batch rows (features in the model's order).
    const bodies = machineRows(200, 3).map((row) => JSON.stringify({ inputs: { numeric: { dims: [1, 4], data: MACHINE_FEATURES.map((name) => row.readings[name]) } } }));
    let next = 0;
    const live = async (): Promise<number> => {
      const body = bodies[next++ % bodies.length] as string;
      const t0 = performance.now();
      const response = await fetch(`${url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await response.text();
      if (response.status !== 200) throw new Error(`live request: ${response.status}`);
      return (performance.now() - t0) * 1000;
    };
    const submit = async (output: string): Promise<Job> => {
      const response = await fetch(`${url}/v1/batch-jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 'rows.csv', output }) });
      if (response.status !== 202) throw new Error(`submit: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { job: Job }).job;
    };
    const job = async (id: string): Promise<Job> => (await get<{ job: Job }>(`/v1/batch-jobs/${id}`)).job;
    const rate = (j: Job): number | null => (j.startedAt && j.finishedAt ? ROWS / ((Date.parse(j.finishedAt) - Date.parse(j.startedAt)) / 1000) : null);
    const alone = async (label: string): Promise<Phase> => {
      const micros: number[] = [];
      for (let i = 0; i < requests; i++) micros.push(await live());
      return { label, micros, rowsPerSecond: null };
    };

    for (let i = 0; i < 300; i++) await live();
    const phases: Phase[] = [await alone('live requests alone (baseline)')];
    const during = await submit('during.results.jsonl');
    const micros: number[] = [];
    for (let i = 0; ; i++) {
      micros.push(await live());
      if (i % 100 === 99 && ['succeeded', 'failed', 'cancelled'].includes((await job(during.id)).state)) break;
    }
    const duringJob = await job(during.id);
    if (duringJob.state !== 'succeeded') throw new Error(`the job under live load ended ${duringJob.state}`);
    phases.push({ label: `live requests while a ${ROWS.toLocaleString('en-US')}-row CSV job runs`, micros, rowsPerSecond: rate(duringJob) });
    phases.push(await alone('live requests alone again (drift check)'));
    const quiet = await submit('quiet.results.jsonl');
    const quietJob = await waitFor('the job without live load', async () => ((j) => (['succeeded', 'failed', 'cancelled'].includes(j.state) ? j : undefined))(await job(quiet.id)), 300_000, 50);
    phases.push({ label: `the same job, no live requests`, micros: [], rowsPerSecond: rate(quietJob) });

    const us = (value: number): string => `${fixed(value, 0)} us`;
    return [
      `Batch jobs beside live requests (issue 17): a real agent process (agent/src/main.ts) serving the machine-health linear classifier (trained here); live = sequential POST /v1/predict of one row over keep-alive from this process (${requests.toLocaleString('en-US')} per phase alone, as many as fit while the job runs); the job: ${ROWS.toLocaleString('en-US')} CSV rows, 32 rows per model run, a checkpoint (fsyncs) every 512 rows and at most once a second (the defaults); ${options.quick ? 'quick mode' : 'full run'}`,
      machineLine(),
      table(
        ['phase', 'live requests', 'p50', 'p99', 'max', 'batch rows/s'],
        phases.map((p) => [p.label, p.micros.length ? String(p.micros.length) : '', p.micros.length ? us(quantile(p.micros, 0.5)) : '', p.micros.length ? us(quantile(p.micros, 0.99)) : '', p.micros.length ? us(Math.max(...p.micros)) : '', p.rowsPerSecond === null ? '' : Math.round(p.rowsPerSecond).toLocaleString('en-US')]),
      ),
      `section total ${fixed((performance.now() - started) / 1000, 1)} s`,
    ].join('\n');
  } finally {
    await agent?.stop();
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await batchSection({ quick: process.argv.includes('--quick') }));
}
