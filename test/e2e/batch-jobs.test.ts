/**
 * Batch inference on the device (issue 17 item 3), with a real hub (trains the machine-health
 * classifier, signs it) and a real agent process (agent/src/main.ts) serving it: a 100,000-row
 * CSV job completes with one result per row, in order, equal to POST /v1/predict's answers; the
 * agent SIGKILLed mid-job and started again resumes and finishes with every row exactly once and
 * the same results; JSON Lines and .npy jobs give the CSV's results for the same rows; a file
 * renamed into the inbox becomes a job; a version rolled out mid-job fails it with
 * E_VERSION_CHANGED; requests the API must refuse are 400s naming the field.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseManifest } from '@edgefleet/protocol';
import { AdminApi, trainMachineVersion } from '../../fleet-sim/src/lean/hub-api';
import { machineCsv, machineRows, MACHINE_FEATURES } from '../fixtures/machine-data';
import { api, assign, enrol, startScenario, type Scenario } from '../support/harness';
import { freePort, until } from '../support/process';

const DEVICE = 'batch-1';
const MODEL = 'machines';
const ROWS = 100_000;
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

interface Job {
  id: string;
  state: string;
  rowsDone: number;
  rowsFailed: number;
  rowsTotal: number | null;
  output: string;
  version: { model: string; version: string } | null;
  error: { code: string; message: string } | null;
}
interface ResultLine {
  row: number;
  outputs?: Record<string, { dims: number[]; data: number[] }>;
  error?: { code: string };
}

describe('batch jobs on a real agent', { timeout: 120_000 }, () => {
  let scenario: Scenario;
  let secret = '';
  let port = 0;
  let child: ChildProcess | null = null;
  let output = '';
  let batchDir = '';
  let reference: string[] = [];
  let features: string[] = [];
  const local = (path: string) => `http://127.0.0.1:${port}${path}`;

  const launch = async (): Promise<void> => {
    output = '';
    child = spawn(process.execPath, ['--import', 'tsx', 'agent/src/main.ts'], {
      cwd: repoRoot,
      env: { ...process.env, EDGEFLEET_HUB_URL: scenario.hub.httpUrl, EDGEFLEET_DEVICE_ID: DEVICE, EDGEFLEET_DEVICE_SECRET: secret, EDGEFLEET_AGENT_DATA_DIR: scenario.agentDir.path, EDGEFLEET_AGENT_PORT: String(port), EDGEFLEET_AGENT_BATCH_CHECKPOINT_MS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    await until(async () => ((await fetch(local('/healthz'))).ok ? true : undefined), 'the agent to listen', 30_000, () => output);
  };
  const kill = (signal: NodeJS.Signals): Promise<void> =>
    new Promise((resolve) => {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return resolve();
      running.once('exit', () => resolve());
      running.kill(signal);
    });
  const serving = (version: string) =>
    until(
      async () => {
        const status = (await (await fetch(local('/v1/status'))).json()) as { phase: string; active: { version: string } | null };
        return status.phase === 'serving' && status.active?.version === version ? true : undefined;
      },
      `the agent serving ${MODEL}@${version}`,
      30_000,
      () => output,
    );
  const submit = async (body: unknown): Promise<Job> => {
    const response = await fetch(local('/v1/batch-jobs'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answer = (await response.json()) as { job: Job };
    if (response.status !== 202) throw new Error(`submit: ${response.status} ${JSON.stringify(answer)}`);
    return answer.job;
  };
  const job = async (id: string): Promise<Job> => ((await (await fetch(local(`/v1/batch-jobs/${id}`))).json()) as { job: Job }).job;
  const settled = (id: string, timeoutMs = 60_000): Promise<Job> => until(async () => ((j) => (['succeeded', 'failed', 'cancelled'].includes(j.state) ? j : undefined))(await job(id)), `job ${id} to finish`, timeoutMs, () => output);
  const lines = async (path: string): Promise<string[]> => (await readFile(path, 'utf8')).trimEnd().split('\n');

  beforeAll(async () => {
    scenario = await startScenario();
    const admin = new AdminApi({ httpUrl: scenario.hub.httpUrl, adminToken: scenario.hub.adminToken });
    await trainMachineVersion(admin, { model: MODEL, version: '1', seed: 1 });
    const manifest = (await api<{ manifest: ReleaseManifest }>(scenario.hub, 'GET', `/api/v1/models/${MODEL}/versions/1`)).body.manifest;
    features = [...(manifest.reference?.features ?? [])].sort((a, b) => a.source.index - b.source.index).map((f) => f.name);
    secret = await enrol(scenario.hub, DEVICE);
    expect((await assign(scenario.hub, DEVICE, MODEL, '1')).status).toBe(200);
    port = await freePort();
    await launch();
    await serving('1');
    batchDir = join(scenario.agentDir.path, 'batch');
    // The header names the features in another order than the model's and carries the label (ignored).
    await writeFile(join(batchDir, 'machines.csv'), machineCsv(ROWS, 7));
  }, 120_000);

  afterAll(async () => {
    await kill('SIGTERM');
    await scenario?.close();
  });

  it('runs a 100,000-row CSV job: one result per row, in order, equal to POST /v1/predict', async () => {
    expect(features).toEqual([...MACHINE_FEATURES]);
    const submitted = await submit({ input: 'machines.csv' });
    expect(submitted).toMatchObject({ output: join(batchDir, 'machines.csv.results.jsonl') });
    expect(['queued', 'running']).toContain(submitted.state);
    const started = Date.now();
    const done = await settled(submitted.id);
    process.stderr.write(`batch e2e: ${ROWS} rows in ${Date.now() - started} ms\n`);
    expect(done).toMatchObject({ state: 'succeeded', rowsDone: ROWS, rowsFailed: 0, rowsTotal: ROWS, version: { model: MODEL, version: '1' }, error: null });
    reference = await lines(done.output);
    expect(reference.map((line) => (JSON.parse(line) as ResultLine).row)).toEqual(Array.from({ length: ROWS }, (_, i) => i));
    const rows = machineRows(ROWS, 7);
    for (const i of [0, 1, 4_321, ROWS - 1]) {
      const readings = rows[i]?.readings as Record<string, number>;
      const body = { inputs: { numeric: { dims: [1, 4], data: features.map((name) => readings[name] as number) } } };
      const live = (await (await fetch(local('/v1/predict'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as { outputs: Record<string, { data: number[] }> };
      const batch = JSON.parse(reference[i] ?? '') as ResultLine;
      for (const [name, tensor] of Object.entries(live.outputs)) {
        const got = batch.outputs?.[name]?.data ?? [];
        expect(got.length, name).toBe(tensor.data.length);
        tensor.data.forEach((value, k) => expect(got[k]).toBeCloseTo(value, 5));
      }
    }
    const status = (await (await fetch(local('/v1/status'))).json()) as { batch: { queued: number; running: unknown; dir: string } };
    expect(status.batch).toMatchObject({ queued: 0, running: null });
  });

  it('resumes after a SIGKILL mid-job and finishes with every row exactly once, the same results', async () => {
    const submitted = await submit({ input: 'machines.csv', output: 'killed.results.jsonl' });
    const midway = await until(async () => ((j) => (j.rowsDone > 0 && j.rowsDone < ROWS ? j : undefined))(await job(submitted.id)), 'the job midway', 60_000, () => output);
    await kill('SIGKILL');
    expect(midway.rowsDone).toBeLessThan(ROWS);
    await launch();
    const done = await settled(submitted.id);
    expect(done).toMatchObject({ state: 'succeeded', rowsDone: ROWS, rowsTotal: ROWS });
    expect(output).toContain('"msg":"batch job resumed"');
    const after = await lines(done.output);
    expect(after.map((line) => (JSON.parse(line) as ResultLine).row)).toEqual(Array.from({ length: ROWS }, (_, i) => i));
    expect(after).toEqual(reference);
  });

  it('runs JSON Lines and .npy jobs with the CSV job results for the same rows', async () => {
    const rows = machineRows(1_000, 7).map((row) => features.map((name) => (row.readings as Record<string, number>)[name] as number));
    await writeFile(join(batchDir, 'rows.jsonl'), rows.map((data) => JSON.stringify({ inputs: { numeric: { dims: [1, 4], data } } })).join('\n') + '\n');
    const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows.length}, 4), }`;
    const header = dict + ' '.repeat(64 - ((10 + dict.length + 1) % 64)) + '\n';
    const prefix = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
    await writeFile(join(batchDir, 'rows.npy'), Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(Float32Array.from(rows.flat()).buffer)]));
    for (const input of ['rows.jsonl', 'rows.npy']) {
      const done = await settled((await submit({ input })).id);
      expect(done, input).toMatchObject({ state: 'succeeded', rowsDone: 1_000, rowsFailed: 0 });
      expect(await lines(done.output), input).toEqual(reference.slice(0, 1_000));
    }
  });

  it('makes a job of a CSV renamed into the inbox and writes the results beside it', async () => {
    const staging = join(scenario.agentDir.path, 'staging');
    await mkdir(staging, { recursive: true });
    await writeFile(join(staging, 'dropped.csv'), machineCsv(300, 7));
    await rename(join(staging, 'dropped.csv'), join(batchDir, 'inbox', 'dropped.csv'));
    const listed = await until(
      async () => ((await (await fetch(local('/v1/batch-jobs'))).json()) as { jobs: Array<Job & { origin: string }> }).jobs.find((j) => j.origin === 'inbox'),
      'the inbox job',
      20_000,
      () => output,
    );
    const done = await settled(listed.id);
    expect(done).toMatchObject({ state: 'succeeded', rowsDone: 300, output: join(batchDir, 'inbox', 'dropped.csv.results.jsonl') });
    expect(await lines(done.output)).toEqual(reference.slice(0, 300));
  });

  it('refuses bodies naming no input, unknown fields, and files outside the batch directory', async () => {
    await writeFile(join(scenario.agentDir.path, 'outside.csv'), machineCsv(3, 1));
    for (const [body, code, field] of [
      [{}, 'E_SCHEMA', 'input'],
      [{ input: 'machines.csv', priority: 1 }, 'E_SCHEMA', '(root)'],
      [{ input: '../outside.csv' }, 'E_BAD_PATH', 'input'],
      [{ input: 'machines.csv', output: '../state.json' }, 'E_BAD_PATH', 'output'],
    ] as const) {
      const response = await fetch(local('/v1/batch-jobs'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const answer = (await response.json()) as { error: { code: string; message: string } };
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(answer.error.code).toBe(code);
      expect(answer.error.message.startsWith(field)).toBe(true);
    }
  });

  it('fails a job with E_VERSION_CHANGED when another version is rolled out mid-job, keeping the rows done', async () => {
    const admin = new AdminApi({ httpUrl: scenario.hub.httpUrl, adminToken: scenario.hub.adminToken });
    await trainMachineVersion(admin, { model: MODEL, version: '2', seed: 2 });
    // Three times the rows (the same first ones): the job is still running when version 2 lands.
    await writeFile(join(batchDir, 'long.csv'), machineCsv(3 * ROWS, 7));
    const submitted = await submit({ input: 'long.csv', output: 'rolled.results.jsonl' });
    await until(async () => ((j) => (j.rowsDone > 0 ? j : undefined))(await job(submitted.id)), 'the job started', 30_000, () => output);
    expect((await assign(scenario.hub, DEVICE, MODEL, '2')).status).toBe(200);
    const done = await settled(submitted.id);
    expect(done).toMatchObject({ state: 'failed', error: { code: 'E_VERSION_CHANGED' } });
    expect(done.error?.message).toContain(`from ${MODEL}@1 to ${MODEL}@2`);
    expect(done.rowsDone).toBeGreaterThan(0);
    expect(done.rowsDone).toBeLessThan(3 * ROWS);
    const kept = await lines(done.output);
    expect(kept).toHaveLength(done.rowsDone);
    expect(kept.slice(0, ROWS)).toEqual(reference.slice(0, done.rowsDone));
    expect(output).toContain('"msg":"batch job failed"');
  });
});
