/**
 * `npm run bench`: what int8 quantization buys on the demo models, all measured in one run on
 * this machine. MNIST 784-512-10 (trained here, seeded) and Silero VAD v5 (third-party), each
 * fp32 vs int8 in onnxruntime-node and onnxruntime-web (wasm, one thread): size ratio, accuracy
 * delta or output agreement, and latency ratio at batch 1 (and 64 for the MLP), with the goals;
 * MNIST also beside its pruned and distilled versions (mnist-derived.ts);
 * then static int8 on a third-party CNN (PaddleOCR's MobileNetV3 classifier, cnn-int8-bench.ts)
 * beside its uploaded and graph-rewritten fp32 baselines.
 */
import { arch, cpus } from 'node:os';
import { mnistSection } from './mnist-bench';
import { fixed, goal, micros, speedup, table, withGoal } from './report';
import type { RuntimeName } from './runtimes';
import { SILERO_BYTES, agreementOf, measureSilero, sileroInt8, type SileroFigures } from './silero-bench';
import { driftSection } from './drift-bench';
import { rolloutSection } from './rollout-bench';
import { statsCostSection } from './stats-cost';
import { agentSection } from './agent-bench';
import { batchSection } from './batch-bench';
import { artifactSection } from './artifact-bench';
import { fleetSection } from './fleet-bench';
import { ingestSection, runIngestBench } from './ingest-bench';
import { cnnSection } from './cnn-int8-bench';
import { provisioningSection } from './provisioning-bench';
import { databaseSection } from './database-bench';
import { devicePagesSection } from './device-pages-bench';
import { consoleDevicesSection } from './console-devices-bench';
import { webRuntimeSection } from './web-runtime-bench';
import { hostileInputsSection } from './hostile-inputs-bench';

const EPOCHS = Number(process.env.BENCH_EPOCHS ?? 3);
const RUNS = { batch1: 2000, batch64: 300 };
const RUNTIMES: RuntimeName[] = ['node', 'web'];
async function sileroSection(): Promise<string> {
  const int8 = sileroInt8();
  const figures: SileroFigures[] = [];
  for (const runtime of RUNTIMES) {
    figures.push(await measureSilero('fp32', SILERO_BYTES, runtime, false, RUNS.batch1));
    figures.push(await measureSilero('int8-weight-only', int8, runtime, false, RUNS.batch1));
    figures.push(await measureSilero('int8-weight-only +fold', int8, runtime, true, RUNS.batch1));
  }
  const rows = figures.map((f) => {
    const base = figures.find((b) => b.runtime === f.runtime && b.variant === 'fp32') ?? f;
    const isInt8 = f.variant !== 'fp32';
    const ratio = f.bytes / base.bytes;
    const { agreement, decisions, maxAbsDiff } = agreementOf(base.probabilities, f.probabilities);
    return [
      f.variant,
      f.runtime,
      `${(f.bytes / 1024).toFixed(0)} KiB`,
      withGoal(`${fixed(ratio, 3)}x`, isInt8 ? goal('<= 0.3x', ratio <= 0.3) : undefined),
      isInt8 ? `${fixed(decisions * 100, 1)}%` : '',
      isInt8 ? `${fixed(agreement * 100, 1)}%` : '',
      isInt8 ? fixed(maxAbsDiff, 4) : '',
      `${micros(f.micros1)}${isInt8 ? ` (${fixed(speedup(base.micros1, f.micros1), 2)}x)` : ''}`,
    ];
  });
  return [
    'Silero VAD v5 (third-party, If + LSTM): 200 speech-like frames (seed 42), recurrent state carried; decisions = speech/silence at p = 0.5; tol. = |dp| <= 0.02 + 0.02 p (the hub gate rule, which uses a fresh state per frame)',
    table(['variant', 'runtime', 'size', 'size ratio', 'decisions agree', '|dp| in tol.', 'max |dp|', 'batch 1 (speed-up)'], rows),
  ].join('\n');
}

/**
 * The sections in the order they print, by name: `BENCH_ONLY=web-runtime` (or a comma-separated
 * list, e.g. `BENCH_ONLY=mnist,silero`) runs only those.
 */
function sections(quick: boolean): Array<[string, () => Promise<string> | string]> {
  // Fleet scale (issue 10). `--quick` (or BENCH_FLEET_SIZES) keeps it short; the default sizes
  // take tens of minutes on 2 cores.
  const sizes = (process.env.BENCH_FLEET_SIZES ?? (quick ? '200' : '1000,5000,10000')).split(',').map(Number);
  return [
    ['mnist', () => mnistSection({ epochs: EPOCHS, runs: RUNS, runtimes: RUNTIMES })],
    ['silero', sileroSection],
    ['cnn', () => cnnSection({ quick })],
    ['stats-cost', statsCostSection],
    ['drift', driftSection],
    ['rollout', rolloutSection],
    ['fleet', () => fleetSection({ sizes })],
    ['ingest', async () => ingestSection(await runIngestBench(quick ? { devices: 100, windowsPerDevice: 20 } : {}))],
    ['agent', () => agentSection({ quick })],
    ['batch', () => batchSection({ quick })],
    ['artifact', () => artifactSection({ quick })],
    ['provisioning', () => provisioningSection({ devices: quick ? 300 : 2000 })],
    ['database', () => databaseSection({ quick })],
    ['device-pages', () => devicePagesSection({ devices: quick ? 2_000 : 10_000 })],
    ['console-devices', () => consoleDevicesSection({ devices: quick ? 2_000 : 10_000 })],
    ['web-runtime', webRuntimeSection],
    ['hostile-inputs', () => hostileInputsSection({ quick })],
  ];
}

async function main(): Promise<void> {
  const started = performance.now();
  const all = sections(process.argv.includes('--quick'));
  const only = (process.env.BENCH_ONLY ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = only.filter((name) => !all.some(([known]) => known === name));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: no section ${unknown.join(', ')}; the sections are ${all.map(([name]) => name).join(', ')}`);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`edgefleet bench: ${cpus().length} x ${cpu} (${arch()}), Node ${process.version}; latency = median after warm-up (batch 1: ${RUNS.batch1} runs, batch 64: ${RUNS.batch64})`);
  console.log('"+fold" = session option extra.session.disable_quant_qdq = "1" (weight DequantizeLinear folded at load)');
  for (const [name, section] of all) {
    if (only.length > 0 && !only.includes(name)) continue;
    console.log(`\n${await section()}`);
  }
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

await main();
