/**
 * Part 3 of the agent bench: memory and start-up of the agent CLI in its own process against a
 * bare Node process that only runs onnxruntime-node on the same model, and an import-only process
 * for scale. Separate because it spawns and reads child processes, unlike the in-process parts.
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Hub } from '@edgefleet/hub';
import { MEMORY_REPORTER_URL, childMemory, spawnLines, type MemoryFigures } from '../measure';
import { SILERO_PATH, type BenchModel } from './models';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

const BARE_CHILD = `
import ort from 'onnxruntime-node';
const t0 = performance.now();
const session = await ort.InferenceSession.create(process.env.BENCH_MODEL_PATH, { logSeverityLevel: 3 });
const t1 = performance.now();
const body = JSON.parse(process.env.BENCH_INPUTS);
const feeds = {};
for (const [name, t] of Object.entries(body.inputs)) {
  feeds[name] = t.type === 'int64' ? new ort.Tensor('int64', BigInt64Array.from(t.data, (v) => BigInt(v)), t.dims) : new ort.Tensor('float32', Float32Array.from(t.data), t.dims);
}
await session.run(feeds);
const t2 = performance.now();
process.stdout.write('ready ' + JSON.stringify({ createMs: t1 - t0, firstRunMs: t2 - t1, uptimeMs: process.uptime() * 1000 }) + '\\n');
setInterval(() => {}, 1 << 30);
`;

const IMPORT_ONLY_CHILD = `
const t0 = performance.now();
await import(${JSON.stringify(pathToFileURL(join(REPO, 'agent/src/index.ts')).href)});
const importMs = performance.now() - t0;
globalThis.gc?.();
process.stdout.write('loaded ' + JSON.stringify({ importMs, memory: process.memoryUsage() }) + '\\n');
process.exit(0);
`;

export interface ProcessRun {
  /** spawn -> first answered prediction */
  readyMs: number;
  /** spawn -> the agent's "local API listening" line (agent only) */
  listeningMs?: number;
  memory: MemoryFigures;
}

export async function bareProcessRun(inputs: BenchModel['body'], idleMs: number): Promise<ProcessRun> {
  const child = spawnLines(process.execPath, ['--expose-gc', '--import', MEMORY_REPORTER_URL, '--input-type=module', '-e', BARE_CHILD], {
    cwd: REPO,
    env: { ...process.env, BENCH_MODEL_PATH: SILERO_PATH, BENCH_INPUTS: JSON.stringify(inputs) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  try {
    const ready = await child.line((l) => l.startsWith('ready '));
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    return { readyMs: ready.ms, memory: await childMemory(child.child) };
  } finally {
    await child.stop();
  }
}

export async function agentProcessRun(hub: Hub, device: string, secret: string, dataDir: string, inputs: BenchModel['body'], idleMs: number): Promise<ProcessRun> {
  // `npm run agent` is `tsx agent/src/main.ts`; the tsx CLI would run the agent in a second
  // process, so the same loader is registered with --import to keep one process to measure.
  const child = spawnLines(process.execPath, ['--expose-gc', '--import', 'tsx', '--import', MEMORY_REPORTER_URL, join(REPO, 'agent/src/main.ts')], {
    cwd: REPO,
    env: { ...process.env, EDGEFLEET_HUB_URL: hub.httpUrl, EDGEFLEET_DEVICE_ID: device, EDGEFLEET_DEVICE_SECRET: secret, EDGEFLEET_AGENT_DATA_DIR: dataDir, EDGEFLEET_AGENT_PORT: '0', EDGEFLEET_BROKER_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  try {
    const listening = await child.line((l) => l.includes('"local API listening"'));
    const url = (JSON.parse(listening.line) as { url?: string }).url;
    if (!url) throw new Error(`no url in ${listening.line}`);
    const response = await fetch(`${url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(inputs) });
    await response.text();
    const readyMs = performance.now() - child.spawnedAt;
    if (response.status !== 200) throw new Error(`agent process answered ${response.status}: not serving from disk`);
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    return { readyMs, listeningMs: listening.ms, memory: await childMemory(child.child) };
  } finally {
    await child.stop();
  }
}

export async function importOnly(): Promise<{ importMs: number; memory: MemoryFigures }> {
  const child = spawnLines(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', IMPORT_ONLY_CHILD], { cwd: REPO, env: process.env });
  try {
    const loaded = await child.line((l) => l.startsWith('loaded '));
    return JSON.parse(loaded.line.slice('loaded '.length)) as { importMs: number; memory: MemoryFigures };
  } finally {
    await child.stop();
  }
}
