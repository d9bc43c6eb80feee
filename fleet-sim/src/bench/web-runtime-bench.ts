/**
 * Browser edge inference in real Chromium (issue 14, item 5): what a browser loads for the hub's
 * /web page, what a first visit costs until the page's first answer, what a visit with a cached
 * model costs, and the per-call cost of the page's `predict` beside onnxruntime-node on the same
 * .onnx bytes and the same inputs in this process (the baseline, measured in the same run).
 *
 * - The pages are built by esbuild (hub/src/console/build.ts) into a temp dir; their script and
 *   stylesheet, onnxruntime-web's wasm and its loader, raw and gzipped (zlib level 9), beside what
 *   the hub sent a cold page (Resource Timing) and the console's bundle as the reference.
 * - An in-process hub (SQLite) holds the MNIST MLP 784-512-10 trained here by the hub's own trainer
 *   (BENCH_WEB_EPOCHS epochs, default 1: accuracy is not the point) and exported by its exporter,
 *   uploaded with a probe; an enrolment token for ring `web`, and a rollout to that ring, which the
 *   hub applies to every page that enrols later.
 * - Cold load: a fresh browser context (empty HTTP cache, IndexedDB and Cache Storage) opens
 *   `/web#enrol=<token>`; a script injected before the page's own records the runtime's status
 *   phases, WebAssembly compilation, WebCrypto calls (SHA-256, Ed25519), the main thread's long
 *   tasks and Resource Timing, and calls `window.edgefleet.predict` the moment the page serves.
 *   Time zero is the navigation's start. Then warm reloads of the same page (credential in
 *   IndexedDB, model in the verified Cache Storage, assets HTTP-cached).
 * - Per call: `predict` at batch 1 and 64 timed in the page, its reported `latencyMs` (the model run
 *   alone), and onnxruntime-node in this process, in alternating rounds. Chromium coarsens
 *   performance.now() to 100 us unless a page is cross-origin isolated, so this page is opened with
 *   `Cross-Origin-Embedder-Policy: require-corp` added to its document (the hub already sends
 *   COOP same-origin), which gives 5 us steps; the runtime still runs on one thread.
 *
 *   npx tsx fleet-sim/src/bench/web-runtime-bench.ts      (or BENCH_ONLY=web-runtime npm run bench; needs Debian's chromium)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import ortNode from 'onnxruntime-node';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startHub, type Hub } from '@edgefleet/hub';
import type { EdgeDevice } from '@edgefleet/web-runtime';
import { buildConsole, type ConsoleBuild } from '../../../hub/src/console/build';
import { adminCall, machineLine, median, quantile, silentLogger } from './measure';
import { trainMnist, type MnistModel } from './mnist-model';
import { fixed, table } from './report';
import { checkRun, coldSegments, cryptoMs, warmSegments } from './web-runtime/load-phases';
import { ANSWER_TIMEOUT_MS, collect, INSTALL_PHASES, instrument, NAME_SHIM, pagePredictRound, type PageTimings } from './web-runtime/page-probe';

const CHROMIUM = process.env.EDGEFLEET_CHROMIUM ?? '/usr/bin/chromium';
/** The same flags as test/support/browser.ts (no background traffic, no sandbox in containers). */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const EPOCHS = Number(process.env.BENCH_WEB_EPOCHS ?? 1);
const COLD_LOADS = 5;
const WARM_RELOADS = 2;
/** Per-call rounds: browser and Node alternate, ROUNDS rounds of CALLS / ROUNDS calls each. */
const CALLS = 600;
const ROUNDS = 6;
const WARMUP_CALLS = 30;
const BATCHES = [1, 64] as const;
const PIXELS = 784;
const MODEL = 'digits';


interface LoadRun {
  /** ms from the navigation's start */
  total: number;
  segments: Record<string, number>;
  timings: PageTimings;
}


/** A fresh context (nothing cached), opened on the enrolment link; then WARM_RELOADS reloads. */
async function visit(browser: Browser, origin: string, token: string, pixels: number[], artifactSha: string, reloads: number): Promise<{ cold: LoadRun; warm: LoadRun[] }> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  try {
    await context.addInitScript({ content: NAME_SHIM });
    await context.addInitScript(instrument, pixels);
    const page = await context.newPage();
    await page.goto(`${origin}/web#enrol=${token}`);
    const coldTimings = await collect(page);
    checkRun('cold load', coldTimings, 'network');
    const cold = { total: coldTimings.answer?.at ?? Number.NaN, segments: coldSegments(coldTimings, artifactSha), timings: coldTimings };
    const warm: LoadRun[] = [];
    for (let i = 0; i < reloads; i++) {
      await page.reload();
      const timings = await collect(page);
      checkRun('warm reload', timings, 'cache');
      warm.push({ total: timings.answer?.at ?? Number.NaN, segments: warmSegments(timings), timings });
    }
    return { cold, warm };
  } finally {
    await context.close();
  }
}

/** A page for per-call timing: its document also sent with COEP require-corp (cross-origin isolated: 5 us timer steps). */
async function isolatedPage(browser: Browser, origin: string, token: string): Promise<{ context: BrowserContext; page: Page; isolated: boolean }> {
  // A fulfilled document has no IP address space of its own: without the permission, Chromium's
  // local network access checks refuse the page's WebSocket to the hub on loopback.
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, permissions: ['local-network-access'] });
  await context.route(`${origin}/web`, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'cross-origin-embedder-policy': 'require-corp' } });
  });
  await context.addInitScript({ content: NAME_SHIM });
  await context.addInitScript(instrument, Array.from({ length: PIXELS }, () => 0));
  const page = await context.newPage();
  await page.goto(`${origin}/web#enrol=${token}`);
  const timings = await collect(page);
  checkRun('per-call page', timings, 'network');
  const isolated = await page.evaluate(() => crossOriginIsolated);
  return { context, page, isolated };
}

/** Bytes the hub sends for `path` to a client that accepts what Chromium accepts (node:http: no decoding). */
function sentBytes(origin: string, path: string): Promise<{ bytes: number; encoding: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}${path}`, { headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ bytes, encoding: String(res.headers['content-encoding'] ?? 'identity') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const kib = (bytes: number): string => (bytes >= 1024 * 1024 ? `${fixed(bytes / 1024 / 1024, 2)} MiB` : `${fixed(bytes / 1024, 1)} KiB`);
const ms = (value: number): string => (Number.isFinite(value) ? `${fixed(value, value < 10 ? 1 : 0)} ms` : '—');
const us = (value: number): string => `${fixed(value * 1000, 0)} us`;
const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

/** onnxruntime-web's dist/, where its wasm and loader are (what the hub serves under /web-runtime/ort/). */
const ortDir = (): string => dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));

interface SizeRow {
  what: string;
  raw: number;
  gzip9: number;
  sent: string;
}

async function sizeRows(built: ConsoleBuild, origin: string, cold: PageTimings, artifact: { sha256: string; bytes: Uint8Array }): Promise<SizeRow[]> {
  const asset = (name: string) => readFile(join(built.dir, 'assets', name));
  const wire = (path: string): string => {
    const entry = cold.resources.find((r) => r.path === path);
    return entry ? kib(entry.encoded) : '—';
  };
  const gz = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 }).length;
  const rows: SizeRow[] = [];
  const web = built.pages.web;
  const webScript = await asset(web.script);
  const webStyle = web.style ? await asset(web.style) : Buffer.alloc(0);
  rows.push({ what: `/web script (${web.script})`, raw: webScript.length, gzip9: gz(webScript), sent: wire(`/assets/${web.script}`) });
  if (web.style) rows.push({ what: `/web stylesheet (${web.style})`, raw: webStyle.length, gzip9: gz(webStyle), sent: wire(`/assets/${web.style}`) });
  const sentPage = cold.resources.filter((r) => r.path === `/assets/${web.script}` || r.path === `/assets/${web.style ?? ''}`).reduce((sum, r) => sum + r.encoded, 0);
  rows.push({ what: '/web JS + CSS', raw: webScript.length + webStyle.length, gzip9: gz(webScript) + gz(webStyle), sent: kib(sentPage) });
  for (const file of ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']) {
    const bytes = await readFile(join(ortDir(), file));
    rows.push({ what: `onnxruntime-web ${file}`, raw: bytes.length, gzip9: gz(bytes), sent: wire(`/web-runtime/ort/${file}`) });
  }
  rows.push({ what: `the model (${MODEL}@1, MLP 784-512-10 fp32)`, raw: artifact.bytes.length, gzip9: gz(artifact.bytes), sent: wire(`/artifacts/${artifact.sha256}`) });
  const main = built.pages.console;
  const consoleScript = await asset(main.script);
  const consoleStyle = main.style ? await asset(main.style) : Buffer.alloc(0);
  const consoleSent = [await sentBytes(origin, `/assets/${main.script}`), ...(main.style ? [await sentBytes(origin, `/assets/${main.style}`)] : [])];
  rows.push({ what: 'reference: the console JS + CSS', raw: consoleScript.length + consoleStyle.length, gzip9: gz(consoleScript) + gz(consoleStyle), sent: `${kib(consoleSent.reduce((s, c) => s + c.bytes, 0))} (${consoleSent[0]?.encoding ?? '?'}, node:http)` });
  return rows;
}

/** Rows of `test` as the page and Node get them: per batch size, a few distinct batches. */
function batchesOf(model: MnistModel, batch: number, count: number): Float32Array[] {
  const rows = model.test.rows;
  return Array.from({ length: count }, (_, i) => {
    const from = ((i * batch * 7) % (rows - batch)) * PIXELS;
    return model.test.x.slice(from, from + batch * PIXELS);
  });
}

interface CallFigures {
  batch: number;
  page: number[];
  pageModel: number[];
  /** onnxruntime-node with the agent's session options (intra-op threads: one per core) */
  node: number[];
  /** onnxruntime-node on one thread, as the page's wasm runs: kernels alone, threads aside */
  node1: number[];
  maxAbsDiff: number;
}

type NodeRun = (data: Float32Array, batch: number) => Promise<Float32Array>;

const runnerOf =
  (session: ortNode.InferenceSession): NodeRun =>
  async (data, batch) =>
    (await session.run({ numeric: new ortNode.Tensor('float32', data, [batch, PIXELS]) }))['probabilities']?.data as Float32Array;

async function timeNode(run: NodeRun, list: readonly Float32Array[], batch: number, calls: number, into: number[]): Promise<void> {
  for (let i = 0; i < calls; i++) {
    const data = list[i % list.length] as Float32Array;
    const started = performance.now();
    await run(data, batch);
    into.push(performance.now() - started);
  }
}

async function perCall(page: Page, onnx: Uint8Array, model: MnistModel): Promise<CallFigures[]> {
  const inputs: Record<number, Float32Array[]> = {};
  for (const batch of BATCHES) inputs[batch] = batchesOf(model, batch, batch === 1 ? 64 : 8);
  await page.evaluate((plain) => {
    const typed: Record<number, Float32Array[]> = {};
    for (const [batch, list] of Object.entries(plain)) typed[Number(batch)] = list.map((rows) => Float32Array.from(rows));
    (window as unknown as { __inputs: Record<number, Float32Array[]> }).__inputs = typed;
  }, Object.fromEntries(Object.entries(inputs).map(([batch, list]) => [batch, list.map((rows) => Array.from(rows))])));

  // The agent's options (agent/src/adapters/runtime.ts), and the same on one thread.
  const session = await ortNode.InferenceSession.create(onnx, { logSeverityLevel: 3 });
  const single = await ortNode.InferenceSession.create(onnx, { logSeverityLevel: 3, intraOpNumThreads: 1, interOpNumThreads: 1 });
  const nodeRun = runnerOf(session);
  const node1Run = runnerOf(single);
  const figures: CallFigures[] = [];
  try {
    for (const batch of BATCHES) {
      const list = inputs[batch] ?? [];
      // Same input, same bytes: the two runtimes agree (float tolerance) before they are timed.
      const inPage = await page.evaluate(
        async ({ batch }) => {
          const data = (window as unknown as { __inputs: Record<number, Float32Array[]> }).__inputs[batch]?.[0] as Float32Array;
          const answer = await (window as unknown as { edgefleet: EdgeDevice }).edgefleet.predict({ numeric: { type: 'float32', dims: [batch, 784], data } });
          return Array.from(answer.outputs['probabilities']?.data as Float32Array);
        },
        { batch },
      );
      const inNode = await nodeRun(list[0] as Float32Array, batch);
      const maxAbsDiff = inPage.reduce((max, value, i) => Math.max(max, Math.abs(value - (inNode[i] ?? Number.NaN))), 0);
      if (inPage.length !== inNode.length || !(maxAbsDiff <= 1e-4)) throw new Error(`batch ${batch}: the page's outputs differ from onnxruntime-node's (max |diff| ${maxAbsDiff})`);

      await pagePredictRound(page, batch, WARMUP_CALLS);
      await timeNode(nodeRun, list, batch, WARMUP_CALLS, []);
      await timeNode(node1Run, list, batch, WARMUP_CALLS, []);
      const f: CallFigures = { batch, page: [], pageModel: [], node: [], node1: [], maxAbsDiff };
      const perRound = Math.ceil(CALLS / ROUNDS);
      const sides: Array<() => Promise<void>> = [
        async () => {
          const { total, model } = await pagePredictRound(page, batch, perRound);
          f.page.push(...total);
          f.pageModel.push(...model);
        },
        () => timeNode(nodeRun, list, batch, perRound, f.node),
        () => timeNode(node1Run, list, batch, perRound, f.node1),
      ];
      // Which side goes first rotates: a busy neighbour on this shared machine lands on all of them.
      for (let round = 0; round < ROUNDS; round++) {
        for (let j = 0; j < sides.length; j++) await (sides[(round + j) % sides.length] as () => Promise<void>)();
      }
      figures.push(f);
    }
  } finally {
    await session.release();
    await single.release();
  }
  return figures;
}

function segmentTable(runs: readonly LoadRun[], label: string): string {
  const first = runs[0];
  if (!first) return '';
  const names = Object.keys(first.segments);
  const rows = names.map((name) => [name, ms(median(runs.map((r) => r.segments[name] ?? Number.NaN))), runs.map((r) => ms(r.segments[name] ?? Number.NaN)).join(' / ')]);
  rows.push([`${label}: navigation start to the first answer`, ms(median(runs.map((r) => r.total))), runs.map((r) => ms(r.total)).join(' / ')]);
  return table(['phase', `median of ${runs.length}`, 'each run'], rows);
}

/** What the page's user feels: the main thread busy in long tasks until the first answer. */
function longTaskLine(runs: readonly LoadRun[]): string {
  const until = (r: LoadRun) => r.timings.longTasks.filter((task) => task.start < r.total);
  const busy = median(runs.map((r) => until(r).reduce((sum, task) => sum + task.duration, 0)));
  const longest = median(runs.map((r) => Math.max(0, ...until(r).map((task) => task.duration))));
  return `main thread in long tasks (> 50 ms, the page cannot respond) before the first answer: ${ms(busy)} in all, the longest ${ms(longest)} (medians)`;
}

const transferred = (t: PageTimings): { bytes: number; requests: number } => ({ bytes: t.resources.reduce((sum, r) => sum + r.transfer, 0), requests: t.resources.length + 1 });

export async function webRuntimeSection(): Promise<string> {
  if (!existsSync(CHROMIUM)) return `Browser edge inference: skipped (no Chromium at ${CHROMIUM}; set EDGEFLEET_CHROMIUM)`;
  const started = performance.now();
  const machine = machineLine();
  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-web-runtime-bench-'));
  let hub: Hub | null = null;
  let browser: Browser | null = null;
  try {
    const buildStarted = performance.now();
    const built = await buildConsole(join(dir, 'pages'));
    const buildSeconds = (performance.now() - buildStarted) / 1000;
    const model = await trainMnist(EPOCHS);
    hub = await startHub({ dataDir: join(dir, 'hub'), consoleDir: built.dir, httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: 'web-runtime-bench-admin-token', logger: silentLogger });
    const origin = new URL(hub.httpUrl).origin;
    const probe = encodeURIComponent(JSON.stringify({ numeric: { dims: [1, PIXELS] } }));
    const uploaded = await adminCall<{ sha256: string; size: number }>(hub, 'POST', `/api/v1/models/${MODEL}/versions?version=1&probe=${probe}`, undefined, { bytes: model.onnx, contentType: 'application/octet-stream' });
    const manifest = await adminCall<{ manifest: { probe: { sha256?: string } } }>(hub, 'GET', `/api/v1/models/${MODEL}/versions/1`);
    const probeKind = manifest.manifest.probe.sha256 ? 'a probe blob fetched by hash' : 'inline in the manifest';
    const token = await adminCall<{ token: string }>(hub, 'POST', '/api/v1/enrolment-tokens', { ring: 'web', maxEnrolments: 2 + COLD_LOADS, ttlS: 3600, label: 'web runtime bench' });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const browserVersion = browser.version();
    const firstPixels = Array.from(model.test.x.subarray(0, PIXELS));

    // The page for per-call timing enrols first: its enrolment creates ring `web`, which the rollout
    // names; every later page enrols into a ring the rollout already reached and is assigned at once.
    // This visit also warms the hub (its one-off gzip of the 14 MB wasm) and the browser's process.
    const pageOpen = isolatedPage(browser, origin, token.token);
    // Awaited below; until then a failure must not surface as an unhandled rejection.
    pageOpen.catch(() => undefined);
    await waitForWebDevice(hub);
    await adminCall(hub, 'POST', '/api/v1/rollouts', { model: MODEL, version: '1', plan: { steps: [{ kind: 'ring', ring: 'web' }] } });
    const latencyPage = await pageOpen;

    const visits: Array<{ cold: LoadRun; warm: LoadRun[] }> = [];
    for (let i = 0; i < COLD_LOADS; i++) visits.push(await visit(browser, origin, token.token, firstPixels, uploaded.sha256, WARM_RELOADS));
    const cold = visits.map((v) => v.cold);
    const warm = visits.flatMap((v) => v.warm);
    const calls = await perCall(latencyPage.page, model.onnx, model);
    await latencyPage.context.close();

    const firstCold = cold[0]?.timings;
    if (!firstCold) throw new Error('no cold load measured');
    const sizes = await sizeRows(built, origin, firstCold, { sha256: uploaded.sha256, bytes: model.onnx });
    const coldWire = transferred(firstCold);
    const warmWire = warm[0] ? transferred(warm[0].timings) : { bytes: Number.NaN, requests: 0 };
    const phasesSeen = [...new Set(firstCold.phases.map((p) => p.phase))].filter((p) => (INSTALL_PHASES as readonly string[]).includes(p));

    const callRows = calls.flatMap((f) => {
      const p50 = quantile(f.page, 0.5);
      const node50 = quantile(f.node, 0.5);
      const run50 = quantile(f.pageModel, 0.5);
      return [
        [String(f.batch), 'page predict()', us(p50), us(quantile(f.page, 0.95)), us(mean(f.page)), `${fixed(p50 / node50, 2)}x`],
        [String(f.batch), 'page model run (latencyMs)', us(run50), us(quantile(f.pageModel, 0.95)), us(mean(f.pageModel)), `${fixed(run50 / node50, 2)}x`],
        [String(f.batch), 'runtime overhead (predict - run)', us(p50 - run50), '', us(mean(f.page) - mean(f.pageModel)), ''],
        [String(f.batch), 'onnxruntime-node (baseline)', us(node50), us(quantile(f.node, 0.95)), us(mean(f.node)), '1.00x'],
        [String(f.batch), 'onnxruntime-node, 1 thread', us(quantile(f.node1, 0.5)), us(quantile(f.node1, 0.95)), us(mean(f.node1)), `${fixed(quantile(f.node1, 0.5) / node50, 2)}x`],
      ];
    });

    return [
      `Browser edge inference (/web, issue 14): headless Chromium ${browserVersion}, the pages built by esbuild in ${fixed(buildSeconds, 1)} s, an in-process hub (SQLite) on loopback serving the MNIST MLP 784-512-10 (hub trainer, ${EPOCHS} epoch${EPOCHS === 1 ? '' : 's'} in ${fixed(model.trainSeconds, 1)} s; probe ${probeKind}) rolled out to ring web; onnxruntime-web ${await ortWebVersion()} wasm, one thread; ${machine}`,
      '',
      'What a browser loads for /web (sent = encodedBodySize in the first cold load; the console row fetched with node:http):',
      table(['file', 'raw', 'gzip -9', 'sent by the hub'], sizes.map((row) => [row.what, kib(row.raw), kib(row.gzip9), row.sent])),
      `- a cold first visit transferred ${kib(coldWire.bytes)} in ${coldWire.requests} requests (headers included); a warm reload ${kib(warmWire.bytes)} in ${warmWire.requests}`,
      '',
      `First visit, cold (fresh browser context: no HTTP cache, IndexedDB or Cache Storage), ${COLD_LOADS} runs; phases seen: ${phasesSeen.join(' -> ')}:`,
      segmentTable(cold, 'cold'),
      `- WebCrypto in a cold load (median): ${fixed(median(cold.map((r) => r.timings.crypto.filter((c) => c.op === 'verify').length)), 0)} Ed25519 verifications, ${ms(median(cold.map((r) => cryptoMs(r.timings, 'verify', 0, Number.POSITIVE_INFINITY))))} in all; onnxruntime-web compiles its wasm with WebAssembly.${firstCold.wasm[0]?.kind ?? '?'}`,
      `- ${longTaskLine(cold)}`,
      '',
      `Return visit: a reload of the same page (credential in IndexedDB, model in Cache Storage, assets HTTP-cached), ${warm.length} reloads:`,
      segmentTable(warm, 'warm'),
      `- ${longTaskLine(warm)}`,
      '',
      `Per call, inside the page (cross-origin isolated: ${latencyPage.isolated ? 'yes, 5 us timer' : 'NO, 100 us timer'}), ${ROUNDS} rounds of ${Math.ceil(CALLS / ROUNDS)} calls per side, the sides rotating, after ${WARMUP_CALLS} warm-up calls; onnxruntime-node ${ortNode.env.versions.node ?? ''} in this process on the same .onnx bytes and inputs (the baseline: the agent's session options, a thread per core; and on one thread, as the page's wasm runs); outputs agree within ${calls.map((f) => `${f.maxAbsDiff.toExponential(1)} (batch ${f.batch})`).join(', ')}:`,
      table(['batch', 'what', 'p50', 'p95', 'mean', 'p50 vs node'], callRows),
      `- whole section ${fixed((performance.now() - started) / 1000, 1)} s`,
    ].join('\n');
  } finally {
    await browser?.close();
    await hub?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The first browser device to enrol (the ring `web` exists from then on). */
async function waitForWebDevice(hub: Hub): Promise<string> {
  const deadline = Date.now() + ANSWER_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const listed = await adminCall<{ devices: Array<{ id: string }> }>(hub, 'GET', '/api/v1/devices?ring=web&limit=10');
    const id = listed.devices[0]?.id;
    if (id) return id;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('no page enrolled');
}

/** onnxruntime-web's version (its package.json is not in its exports: read beside dist/, as the hub does). */
const ortWebVersion = async (): Promise<string> => (JSON.parse(await readFile(join(ortDir(), '..', 'package.json'), 'utf8')) as { version: string }).version;

if (process.argv[1]?.endsWith('web-runtime-bench.ts')) {
  console.log(await webRuntimeSection());
}
