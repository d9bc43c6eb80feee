/**
 * Artifact distribution (issue 10, PERF.md "Moving model files"): the hub's
 * `GET /artifacts/<sha256>` (device Basic auth, Hono on @hono/node-server, the file stream piped
 * into Node's response) serving N devices that download the whole model at once, beside a
 * plain `node:http` static file server (fs.createReadStream(path).pipe(res)) serving the same
 * file, on disk in the hub's artifact store, to the same clients in the same run (goal: hub
 * throughput >= 0.8 x the static server's).
 *
 * The model is a real upload: a generated ONNX classifier carrying a ~16 MiB embedding table of
 * seeded random floats (incompressible, like real weights), which the hub opens, probes and
 * signs like any model. Every client is an enrolled device with its own secret. The clients run
 * in a separate Node process (N raw node:http GETs on their own connections, counting bytes
 * without hashing: hashing is the agent's job), so their reading does not compete with the
 * server's event loop; the servers run in this process, one at a time, in alternating rounds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { serve, type HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import { startHub, type Hub } from '@edgefleet/hub';
import { GraphBuilder, attr, encodeModel } from '../../../hub/src/core/onnx';
import { mulberry32 } from '../../../hub/src/core/seeded-random';
import { adminCall, machineLine, median, mib, quantile, silentLogger, spawnLines } from './measure';
import { fixed, goal, table, withGoal } from './report';

const GOAL_RATIO = 0.8;
const FEATURES = 4;
const CLASSES = 3;

interface Counts {
  clients: number;
  rounds: number;
  tableMiB: number;
  /** also run the two diagnostic Hono servers that locate the hub's cost */
  diagnostics: boolean;
}

const COUNTS: Record<'quick' | 'full', Counts> = {
  quick: { clients: 50, rounds: 1, tableMiB: 16, diagnostics: false },
  full: { clients: 100, rounds: 5, tableMiB: 16, diagnostics: true },
};

/** numeric [N, 4] -> probabilities [N, 3], plus a large seeded embedding table it reads one row of. */
function largeModelOnnx(tableMiB: number, seed = 20260101): Uint8Array {
  const rows = Math.floor((tableMiB * 1024 * 1024) / (CLASSES * 4));
  const random = mulberry32(seed);
  const values = new Float32Array(rows * CLASSES);
  for (let i = 0; i < values.length; i++) values[i] = (random() - 0.5) * 0.02;
  const weights = Float32Array.from({ length: FEATURES * CLASSES }, () => random() - 0.5);
  const g = new GraphBuilder('embedding_classifier');
  const x = g.input('numeric', 'float32', ['N', FEATURES]);
  const logits = g.op('MatMul', [x, g.initializer('W', { type: 'float32', data: weights }, [FEATURES, CLASSES])]);
  const embedding = g.initializer('embedding', { type: 'float32', data: values }, [rows, CLASSES]);
  const bias = g.op('Gather', [embedding, g.initializer('row', { type: 'int64', data: BigInt64Array.from([0n]) }, [1])], { axis: attr.int(0) });
  g.node('Softmax', [g.op('Add', [logits, bias])], ['probabilities'], { axis: attr.int(-1) });
  g.output('probabilities', 'float32', ['N', CLASSES]);
  return encodeModel(g.build());
}

/** The clients: one process, N concurrent GETs on their own connections; prints one JSON line. */
const CLIENTS_CHILD = `
import http from 'node:http';
const { url, size, auths } = JSON.parse(process.env.BENCH_CLIENTS);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const one = (authorization) => new Promise((resolve) => {
  const start = performance.now();
  const request = http.get(url, { agent: false, headers: { authorization } }, (response) => {
    let bytes = 0;
    response.on('data', (chunk) => { bytes += chunk.length; });
    response.on('end', () => resolve({ status: response.statusCode, bytes, ms: performance.now() - start }));
    response.on('error', (error) => resolve({ status: -1, bytes, ms: performance.now() - start, error: String(error) }));
  });
  request.on('error', (error) => resolve({ status: -1, bytes: 0, ms: performance.now() - start, error: String(error) }));
});
const results = await Promise.all(auths.map(one));
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const failed = results.filter((r) => r.status !== 200 || r.bytes !== size);
process.stdout.write('done ' + JSON.stringify({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000, times: results.map((r) => r.ms), failed: failed.slice(0, 3), failedCount: failed.length }) + '\\n');
`;

interface RoundResult {
  wallMs: number;
  /** MB/s (10^6 bytes) of whole files delivered to all clients */
  mbps: number;
  times: number[];
  serverCpuMs: number;
  clientCpuMs: number;
  /** this (server) process's RSS peak during the round above its RSS at the start */
  rssGrowth: number;
}

async function runClients(url: string, size: number, auths: readonly string[]): Promise<RoundResult> {
  const cpu0 = process.cpuUsage();
  const rss0 = process.memoryUsage.rss();
  let rssPeak = rss0;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss())), 20);
  const child = spawnLines(process.execPath, ['--input-type=module', '-e', CLIENTS_CHILD], { env: { ...process.env, BENCH_CLIENTS: JSON.stringify({ url, size, auths }) } });
  try {
    const done = await child.line((l) => l.startsWith('done '), 300_000);
    const cpu = process.cpuUsage(cpu0);
    const result = JSON.parse(done.line.slice('done '.length)) as { wallMs: number; cpuMs: number; times: number[]; failed: unknown[]; failedCount: number };
    if (result.failedCount > 0) throw new Error(`${result.failedCount} of ${auths.length} downloads from ${url} failed, e.g. ${JSON.stringify(result.failed)}`);
    return { wallMs: result.wallMs, mbps: (size * auths.length) / 1e6 / (result.wallMs / 1000), times: result.times, serverCpuMs: (cpu.user + cpu.system) / 1000, clientCpuMs: result.cpuMs, rssGrowth: rssPeak - rss0 };
  } finally {
    clearInterval(sampler);
    await child.stop();
  }
}

/** fs.createReadStream(file).pipe(res): the plain static server, no auth, same URL path. */
async function startStaticServer(path: string, sha256: string, size: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== `/artifacts/${sha256}`) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
    const stream = createReadStream(path);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/artifacts/${sha256}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Diagnostics, not the hub: Hono on @hono/node-server answering the same path with no auth and no
 * database, the body either streamed as the hub streamed it before (Readable.toWeb of the file
 * stream, which copies every chunk and goes through WHATWG stream reads) or piped straight into
 * the Node response (RESPONSE_ALREADY_SENT, as the hub does now), to tell the framework's share of
 * the hub's cost from its own.
 */
async function startHonoServer(path: string, sha256: string, size: number, mode: 'web-stream' | 'pipe'): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.get('/artifacts/:sha256', (c) => {
    if (c.req.param('sha256') !== sha256) return c.body(null, 404);
    const headers = { 'content-type': 'application/octet-stream', 'content-length': String(size) };
    if (mode === 'web-stream') return new Response(Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>, { status: 200, headers });
    const outgoing = c.env.outgoing;
    outgoing.writeHead(200, headers);
    const stream = createReadStream(path);
    stream.on('error', () => outgoing.destroy());
    stream.pipe(outgoing);
    return RESPONSE_ALREADY_SENT;
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/artifacts/${sha256}`,
    close: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const summarise = (rounds: RoundResult[]) => ({
  mbps: median(rounds.map((r) => r.mbps)),
  wallMs: median(rounds.map((r) => r.wallMs)),
  p50: median(rounds.map((r) => quantile(r.times, 0.5))),
  p99: median(rounds.map((r) => quantile(r.times, 0.99))),
  cpuPerGb: median(rounds.map((r) => r.serverCpuMs / ((r.mbps * r.wallMs) / 1000 / 1000))),
  clientCpuMs: median(rounds.map((r) => r.clientCpuMs)),
  rssGrowth: median(rounds.map((r) => r.rssGrowth)),
});

interface SetUp {
  hub: Hub;
  hubUrl: string;
  staticServer: Awaited<ReturnType<typeof startStaticServer>>;
  /** the diagnostic Hono servers (empty without counts.diagnostics) */
  diagnostics: Array<{ name: string; url: string }>;
  size: number;
  auths: string[];
  close(): Promise<void>;
}

/** A real hub with the model uploaded and `clients` devices enrolled, and the static server on the same file. */
async function setUp(counts: Counts): Promise<SetUp> {
  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-artifact-bench-'));
  const never = '0 0 1 1 *';
  let hub: Hub | null = null;
  try {
    hub = await startHub({ dataDir: join(dir, 'hub'), httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: 'bench-admin-token-0123456789', logger: silentLogger, rolloutSchedule: never, driftSchedule: never, retrainSchedule: never });
    const bytes = largeModelOnnx(counts.tableMiB);
    const uploaded = await adminCall<{ sha256: string; size: number }>(hub, 'POST', '/api/v1/models/embedding/versions?version=1', undefined, { bytes, contentType: 'application/octet-stream' });
    const auths: string[] = [];
    for (let i = 0; i < counts.clients; i++) {
      const id = `dl-${String(i).padStart(4, '0')}`;
      const { secret } = await adminCall<{ secret: string }>(hub, 'POST', '/api/v1/devices', { id });
      auths.push(`Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`);
    }
    // The very file the hub serves, in its content-addressed store.
    const staticServer = await startStaticServer(join(dir, 'hub', 'artifacts', uploaded.sha256), uploaded.sha256, uploaded.size);
    const hubUrl = `${hub.httpUrl}/artifacts/${uploaded.sha256}`;
    const file = join(dir, 'hub', 'artifacts', uploaded.sha256);
    const honoServers = counts.diagnostics
      ? [
          { name: 'diagnostic: Hono + Readable.toWeb (the hub\'s former streaming, no auth, no DB)', server: await startHonoServer(file, uploaded.sha256, uploaded.size, 'web-stream') },
          { name: 'diagnostic: Hono + pipe into the Node response (the hub\'s way now, no auth, no DB)', server: await startHonoServer(file, uploaded.sha256, uploaded.size, 'pipe') },
        ]
      : [];
    // Warm-up (page cache, JIT, connection paths) of each.
    for (const url of [hubUrl, staticServer.url, ...honoServers.map((d) => d.server.url)]) await runClients(url, uploaded.size, auths.slice(0, 5));
    const started = hub;
    return {
      hub,
      hubUrl,
      staticServer,
      diagnostics: honoServers.map((d) => ({ name: d.name, url: d.server.url })),
      size: uploaded.size,
      auths,
      async close() {
        for (const d of honoServers) await d.server.close();
        await staticServer.close();
        await started.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await hub?.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

export async function artifactSection(options: { quick: boolean }): Promise<string> {
  const counts = COUNTS[options.quick ? 'quick' : 'full'];
  const started = performance.now();
  const header = machineLine();
  const setup = await setUp(counts);
  try {
    const { hubUrl, staticServer, size, auths } = setup;
    const servers = [
      { name: 'hub GET /artifacts/<sha256>', url: hubUrl, isHub: true },
      { name: 'node:http static file server', url: staticServer.url, isHub: false },
      ...setup.diagnostics.map((d) => ({ ...d, isHub: false })),
    ];
    const rounds: RoundResult[][] = servers.map(() => []);
    // Every round runs each server once, rotating which goes first.
    for (let r = 0; r < counts.rounds; r++) {
      for (let j = 0; j < servers.length; j++) {
        const k = (r + j) % servers.length;
        rounds[k]?.push(await runClients(servers[k]?.url ?? '', size, auths));
      }
    }
    const staticRounds = rounds[1] ?? [];
    const ratioOf = (k: number) => median((rounds[k] ?? []).map((round, i) => round.mbps / (staticRounds[i]?.mbps ?? Number.NaN)));
    const totalMb = (size * counts.clients) / 1e6;
    const row = (k: number): string[] => {
      const x = summarise(rounds[k] ?? []);
      const ratio = ratioOf(k);
      return [
        servers[k]?.name ?? '',
        `${fixed(x.mbps, 0)} MB/s`,
        `${fixed(x.wallMs, 0)} ms`,
        `${fixed(x.p50, 0)} / ${fixed(x.p99, 0)} ms`,
        `${fixed(x.cpuPerGb, 0)} ms/GB`,
        `${fixed(x.clientCpuMs, 0)} ms`,
        `+${mib(x.rssGrowth)}`,
        servers[k]?.isHub ? withGoal(fixed(ratio, 3), goal(`>= ${GOAL_RATIO}`, ratio >= GOAL_RATIO)) : fixed(ratio, 3),
      ];
    };
    return [
      `Artifact distribution (issue 10): ${counts.clients} devices downloading a ${fixed(size / 1024 / 1024, 1)} MiB model at once (${fixed(totalMb, 0)} MB per round) over loopback HTTP; hub = GET /artifacts/<sha256> with each device's own Basic credentials; baseline = a node:http static server (fs.createReadStream().pipe(res)) on the same file; ${options.quick ? 'quick mode' : 'full run'}`,
      header,
      `clients: one separate Node process, ${counts.clients} concurrent node:http GETs, each on its own connection, counting bytes (no hashing); servers: this process, one at a time; median of ${counts.rounds} round(s), each server once per round in rotating order, after a 5-client warm-up of each; ratio = median over rounds of throughput / the static server's in the same round; throughput = bytes delivered to all clients / time from the first request to the last byte; server CPU = this process's user + system time per GB delivered; server RSS peak = its RSS high-water mark during a round (sampled every 20 ms) above its RSS at the start of the round`,
      table(
        ['server', 'throughput', 'all done in', 'per download p50 / p99', 'server CPU', 'client CPU', 'server RSS peak', 'ratio to static'],
        servers.map((_, k) => row(k)),
      ),
      `section total ${fixed((performance.now() - started) / 1000, 1)} s`,
    ].join('\n');
  } finally {
    await setup.close();
  }
}

/**
 * `node --cpu-prof --import tsx fleet-sim/src/bench/artifact-bench.ts --profile=hub` (or
 * `=static`): the same set-up, then only that server's rounds, so a CPU profile shows where its
 * time goes per byte.
 */
async function profileServer(which: 'hub' | 'static', rounds: number): Promise<void> {
  const setup = await setUp(COUNTS.full);
  try {
    const url = which === 'hub' ? setup.hubUrl : setup.staticServer.url;
    for (let r = 0; r < rounds; r++) {
      const round = await runClients(url, setup.size, setup.auths);
      console.log(`${which}: ${fixed(round.mbps, 0)} MB/s, server CPU ${fixed(round.serverCpuMs, 0)} ms`);
    }
  } finally {
    await setup.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const profile = process.argv.find((a) => a.startsWith('--profile='))?.slice('--profile='.length);
  if (profile === 'hub' || profile === 'static') await profileServer(profile, 3);
  else console.log(await artifactSection({ quick: process.argv.includes('--quick') }));
}
