/**
 * What the rollout controller costs the hub (ROLLOUTS.md, PERF.md "cap concurrent downloads per
 * step"): a real hub, N enrolled devices (no agents: the hub's own work is measured), one
 * rollout taking all of them at once. Baseline: the same N assignments as manual pins through
 * the API in the same run; the controller's first pass should cost about as much (it signs and
 * publishes one doc per device), and an idle tick (nothing to assign) far less. Its steps
 * (versions, first pass, controller runs) also serve database-bench.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHub, type Hub } from '@edgefleet/hub';
import { fixed, table } from './report';

const require = createRequire(import.meta.url);
const DEVICES = Number(process.env.BENCH_ROLLOUT_DEVICES ?? 300);
const PROBE = encodeURIComponent(JSON.stringify({ input: { dims: [1, 512] }, sr: { dims: [], data: [16000] } }));
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function call(hub: Hub, method: string, path: string, body?: unknown, bytes?: Uint8Array<ArrayBuffer>): Promise<unknown> {
  const headers: Record<string, string> = { authorization: `Bearer ${hub.adminToken}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (bytes) headers['content-type'] = 'application/octet-stream';
  const response = await fetch(`${hub.httpUrl}${path}`, { method, headers, ...(bytes ? { body: bytes } : body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

const timed = async (fn: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

/** Hub options that keep the controller's tick from ever coming due: every pass measured is one a bench starts. */
export const NO_SCHEDULED_ROLLOUT_TICK = { rolloutSchedule: '0 0 1 1 *' } as const;

/** Uploads Silero VAD v5 and v6 as versions 1 and 2 of model `vad`: a rollout needs a version to move devices to. */
export async function uploadVadVersions(hub: Hub): Promise<void> {
  for (const [version, file] of [['1', 'silero_vad_v5.onnx'], ['2', 'silero_vad_v6.onnx']] as const) {
    await call(hub, 'POST', `/api/v1/models/vad/versions?version=${version}&probe=${PROBE}`, undefined, new Uint8Array(readFileSync(require.resolve(`@ricky0123/vad-web/dist/${file}`))));
  }
}

/** Ms to create a one-step rollout of vad 2 to every ring: creating it runs the controller's first pass, which assigns every device. */
export const timeFirstPass = (hub: Hub): Promise<number> => timed(() => call(hub, 'POST', '/api/v1/rollouts', { model: 'vad', version: '2', plan: { steps: [{ kind: 'ring', ring: '*' }] } }));

/** The hub's own durationMs of each of `runs` controller runs started through the API, in order. */
export async function controllerRunsMs(hub: Hub, runs: number): Promise<number[]> {
  const durations: number[] = [];
  for (let i = 0; i < runs; i++) {
    const run = (await call(hub, 'POST', '/api/v1/jobs/rollout-controller/run')) as { durationMs: number; skipped?: boolean };
    if (run.skipped) throw new Error('the rollout controller run was skipped: another replica holds the jobs lease');
    durations.push(run.durationMs);
  }
  return durations;
}

export async function rolloutSection(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-rollout-bench-'));
  const hub = await startHub({ dataDir: dir, httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: 'bench-admin-token-0123456789', logger: silent, ...NO_SCHEDULED_ROLLOUT_TICK });
  try {
    await uploadVadVersions(hub);
    const ids = Array.from({ length: DEVICES }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
    for (const id of ids) await call(hub, 'POST', '/api/v1/devices', { id, ring: 'main' });
    const manualMs = await timed(async () => {
      for (const id of ids) await call(hub, 'PUT', `/api/v1/devices/${id}/assignment`, { model: 'vad', version: '1' });
    });
    const firstPassMs = await timeFirstPass(hub);
    const idle = (await controllerRunsMs(hub, 5)).sort((a, b) => a - b);
    const idleMs = idle[2] as number;
    return [
      `Rollout controller on a real hub with ${DEVICES} enrolled devices (no agents), one rollout assigning all of them; baseline = the same assignments as manual pins through the API, sequential`,
      table(
        ['measure', 'edgefleet', 'manual-pin baseline'],
        [
          [`first pass: ${DEVICES} docs signed and published`, `${fixed(firstPassMs, 0)} ms (${fixed(firstPassMs / DEVICES, 2)} ms/device, ${fixed(firstPassMs / manualMs, 2)}x)`, `${fixed(manualMs, 0)} ms (${fixed(manualMs / DEVICES, 2)} ms/device)`],
          ['idle tick (nothing to assign), median of 5', `${fixed(idleMs, 0)} ms (${fixed((idleMs / DEVICES) * 1000, 0)} us/device)`, 'no tick'],
        ],
      ),
    ].join('\n');
  } finally {
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  }
}
