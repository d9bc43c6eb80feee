/**
 * Small helpers shared by the agent and artifact benchmarks: the machine line printed at the top
 * of each section, quantiles, alternating rounds (so a busy neighbour on this shared machine
 * slows the figure and its baseline alike), admin calls to a real hub, and child processes whose
 * stdout is read line by line.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { arch, cpus, loadavg } from 'node:os';
import ortNode from 'onnxruntime-node';
import type { Hub } from '@edgefleet/hub';

/** CPU model, cores, Node and onnxruntime versions, and the load when the section started. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  return `machine: ${cpus().length} x ${cpu} (${arch()}), Node ${process.version}, onnxruntime-node ${ortNode.env.versions.node ?? ortNode.env.versions.common}; load average at start ${load} (shared machine: figures and baselines are measured in alternating rounds)`;
}

export const silentLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** Nearest-rank quantile of `values` (not modified); NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

const isPromise = (value: unknown): value is Promise<unknown> => value instanceof Promise;

/** Runs `call` `count` times in sequence, awaiting only what returns a promise (a sync step pays no microtask). */
async function repeat(call: () => unknown, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const result = call();
    if (isPromise(result)) await result;
  }
}

/**
 * Per-call time in microseconds of each of `calls`: the median over `chunks` chunks of `chunk`
 * sequential calls (sub-microsecond work cannot be timed one call at a time), the calls measured
 * in turn within every chunk (rotating which goes first), so load from other processes on this
 * shared machine falls on all of them alike; after one warm-up chunk of each.
 */
export async function interleavedPerCallMicros(calls: ReadonlyArray<() => unknown>, chunks: number, chunk: number): Promise<number[]> {
  for (const call of calls) await repeat(call, chunk);
  const times: number[][] = calls.map(() => []);
  for (let c = 0; c < chunks; c++) {
    for (let j = 0; j < calls.length; j++) {
      const k = (c + j) % calls.length;
      const start = performance.now();
      await repeat(calls[k] as () => unknown, chunk);
      times[k]?.push(((performance.now() - start) * 1000) / chunk);
    }
  }
  return times.map(median);
}

export interface PairedRates {
  /** calls per second, median over blocks of each side */
  subject: number;
  baseline: number;
  /** median over blocks of subject rate / baseline rate in the same block */
  ratio: number;
}

/**
 * Throughput of `subject` beside `baseline`, finely interleaved: `blocks` blocks of `calls`
 * sequential calls of each side, run in alternating runs of `run` calls (which side goes first
 * flips every run pair), each run timed as a whole (so the clock reads add well under 0.1 us per
 * call). Per block, the rate of each side is its calls over its summed run times; the ratio is
 * the median over blocks of subject rate / baseline rate. A neighbour's burst on this shared
 * machine then lands on both sides of the same block, not on one side's whole round.
 */
export async function interleavedRates(subject: () => Promise<unknown>, baseline: () => Promise<unknown>, blocks: number, calls: number, warmup: number, run = 10): Promise<PairedRates> {
  for (let i = 0; i < warmup; i++) {
    await baseline();
    await subject();
  }
  const timed = async (call: () => Promise<unknown>, count: number): Promise<number> => {
    const start = performance.now();
    for (let i = 0; i < count; i++) await call();
    return performance.now() - start;
  };
  const s: number[] = [];
  const b: number[] = [];
  const ratios: number[] = [];
  for (let block = 0; block < blocks; block++) {
    let subjectMs = 0;
    let baselineMs = 0;
    for (let done = 0, turn = block; done < calls; done += run, turn++) {
      const count = Math.min(run, calls - done);
      if (turn % 2 === 0) {
        subjectMs += await timed(subject, count);
        baselineMs += await timed(baseline, count);
      } else {
        baselineMs += await timed(baseline, count);
        subjectMs += await timed(subject, count);
      }
    }
    s.push((calls * 1000) / subjectMs);
    b.push((calls * 1000) / baselineMs);
    ratios.push(baselineMs / subjectMs);
  }
  return { subject: median(s), baseline: median(b), ratio: median(ratios) };
}

/** An admin call to a real hub; throws with the status and body on anything but 2xx. */
export async function adminCall<T>(hub: Pick<Hub, 'httpUrl' | 'adminToken'>, method: string, path: string, body?: unknown, raw?: { bytes: Uint8Array; contentType: string }): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${hub.adminToken}` };
  let payload: BodyInit | undefined;
  if (raw) {
    headers['content-type'] = raw.contentType;
    payload = new Blob([raw.bytes as BlobPart]);
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(`${hub.httpUrl}${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 400)}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** Polls `probe` every `everyMs` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export interface LineChild {
  child: ChildProcess;
  /** resolves with the first stdout line `match` accepts and the ms since spawn it arrived */
  line(match: (line: string) => boolean, timeoutMs?: number): Promise<{ line: string; ms: number }>;
  /** everything written to stderr so far (for error messages) */
  stderr(): string;
  /** SIGTERM, then SIGKILL after 3 s; resolves when it has exited */
  stop(): Promise<void>;
}

/** Spawns `command` and reads its stdout as lines; `spawnedAt` is taken right before spawn(). */
export function spawnLines(command: string, args: readonly string[], options: SpawnOptions): LineChild & { spawnedAt: number } {
  const spawnedAt = performance.now();
  const child = spawn(command, args, { ...options, stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'] });
  const seen: Array<{ line: string; ms: number }> = [];
  const waiters: Array<{ match: (line: string) => boolean; resolve: (hit: { line: string; ms: number }) => void }> = [];
  let err = '';
  let buffered = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    const ms = performance.now() - spawnedAt;
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      seen.push({ line, ms });
      for (let i = waiters.length - 1; i >= 0; i--) {
        const waiter = waiters[i];
        if (waiter?.match(line)) {
          waiters.splice(i, 1);
          waiter.resolve({ line, ms });
        }
      }
    }
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (err.length < 20_000) err += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    spawnedAt,
    stderr: () => err,
    line(match, timeoutMs = 60_000) {
      const hit = seen.find((s) => match(s.line));
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child ${command} ${args.join(' ').slice(0, 200)}: no matching line within ${timeoutMs} ms; stderr: ${err.slice(-2000)}`)), timeoutMs);
        exited.then(() => setTimeout(() => reject(new Error(`child exited (code ${child.exitCode}) before a matching line; stderr: ${err.slice(-2000)}`)), 50));
        waiters.push({
          match,
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value);
          },
        });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/**
 * Preloaded into a child (`--import <this URL>`, with `--expose-gc`): answers the IPC message
 * "mem" with process.memoryUsage() after a full GC, so agent and bare process are read alike.
 */
export const MEMORY_REPORTER_URL = `data:text/javascript,${encodeURIComponent(
  'process.on("message", (m) => { if (m === "mem") { if (typeof globalThis.gc === "function") globalThis.gc(); process.send?.({ mem: process.memoryUsage() }); } }); process.channel?.unref();',
)}`;

export interface MemoryFigures {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** Asks a child started with MEMORY_REPORTER_URL (and an IPC channel) for its memory. */
export function childMemory(child: ChildProcess, timeoutMs = 10_000): Promise<MemoryFigures> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child did not report its memory')), timeoutMs);
    const onMessage = (message: unknown) => {
      if (typeof message === 'object' && message !== null && 'mem' in message) {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve((message as { mem: MemoryFigures }).mem);
      }
    };
    child.on('message', onMessage);
    child.send('mem');
  });
}

export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
