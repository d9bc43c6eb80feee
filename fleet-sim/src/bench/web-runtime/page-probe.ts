/**
 * The bench's instruments inside the /web page: a script injected before the page's own that
 * records the runtime's status phases, WebAssembly compilation, WebCrypto calls, long tasks and
 * Resource Timing and answers the first prediction the moment the page serves; reading that back;
 * and per-call timing of predict() in the page.
 */
import type { Page } from 'playwright-core';
import type { EdgeDevice, WebStatus } from '@edgefleet/web-runtime';

/** How long a page may take to its first answer. */
export const ANSWER_TIMEOUT_MS = 60_000;
/** How the runtime's phases are named (device-core phaseOf), in install order. */
export const INSTALL_PHASES = ['downloading', 'verifying', 'loading', 'probing', 'serving'] as const;
// ---- in the page ----

/** What the injected script keeps on `window.__bench`. */
export interface PageBench {
  marks: { loaded?: number; connected?: number; serving?: number };
  phases: Array<{ phase: string; at: number }>;
  wasm: Array<{ kind: string; start: number; end: number }>;
  /** WebCrypto calls: SHA-256 digests (of how many bytes) and Ed25519 verifications */
  crypto: Array<{ op: 'digest' | 'verify'; bytes: number; start: number; end: number }>;
  /** the main thread's long tasks (> 50 ms: the page cannot respond meanwhile) */
  longTasks: Array<{ start: number; duration: number }>;
  answer: { at: number; latencyMs: number; version: string } | null;
  error: string | null;
  verification: { source: string; probed: boolean } | null;
  answered: Promise<void>;
}

export interface ResourceFigure {
  path: string;
  start: number;
  end: number;
  /** bytes on the wire (after content coding); 0 when served from the HTTP cache */
  transfer: number;
  encoded: number;
  decoded: number;
}

export interface PageTimings {
  marks: PageBench['marks'];
  phases: PageBench['phases'];
  wasm: PageBench['wasm'];
  crypto: PageBench['crypto'];
  longTasks: PageBench['longTasks'];
  answer: PageBench['answer'];
  error: string | null;
  verification: PageBench['verification'];
  htmlEnd: number;
  domContentLoaded: number;
  resources: ResourceFigure[];
}

/**
 * tsx compiles with esbuild's keepNames, which wraps named functions in `__name(...)`: functions
 * serialised into the page need the helper there (identity is enough).
 */
export const NAME_SHIM = 'globalThis.__name = globalThis.__name || ((fn) => fn);';

/**
 * Runs in every document before the page's own script: times WebAssembly compilation, catches the
 * page's device as it is assigned to `window.edgefleet`, records the runtime's status phases, and
 * asks the device for one prediction on `pixels` the moment a model serves.
 */
export function instrument(pixels: number[]): void {
  let settle: () => void = () => undefined;
  const bench: PageBench = { marks: {}, phases: [], wasm: [], crypto: [], longTasks: [], answer: null, error: null, verification: null, answered: new Promise<void>((resolve) => (settle = resolve)) };
  (window as unknown as { __bench: PageBench }).__bench = bench;

  const wasm = WebAssembly;
  const streaming = wasm.instantiateStreaming;
  const instantiate = wasm.instantiate;
  const timed = (kind: string, run: () => Promise<unknown>): Promise<unknown> => {
    const start = performance.now();
    const done = run();
    void done.then(
      () => bench.wasm.push({ kind, start, end: performance.now() }),
      () => undefined,
    );
    return done;
  };
  wasm.instantiateStreaming = ((...args: Parameters<typeof streaming>) => timed('instantiateStreaming', () => streaming.apply(wasm, args))) as typeof wasm.instantiateStreaming;
  wasm.instantiate = ((...args: unknown[]) => timed('instantiate', () => Reflect.apply(instantiate, wasm, args) as Promise<unknown>)) as typeof wasm.instantiate;

  const subtle = SubtleCrypto.prototype;
  const digest = subtle.digest;
  const verify = subtle.verify;
  const sizeOf = (data: unknown): number => (ArrayBuffer.isView(data) || data instanceof ArrayBuffer ? data.byteLength : 0);
  subtle.digest = function (this: SubtleCrypto, ...args: Parameters<SubtleCrypto['digest']>) {
    const start = performance.now();
    const done = digest.apply(this, args);
    void done.then(() => bench.crypto.push({ op: 'digest', bytes: sizeOf(args[1]), start, end: performance.now() }), () => undefined);
    return done;
  };
  subtle.verify = function (this: SubtleCrypto, ...args: Parameters<SubtleCrypto['verify']>) {
    const start = performance.now();
    const done = verify.apply(this, args);
    void done.then(() => bench.crypto.push({ op: 'verify', bytes: sizeOf(args[3]), start, end: performance.now() }), () => undefined);
    return done;
  };

  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) bench.longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });

  let device: EdgeDevice | undefined;
  Object.defineProperty(window, 'edgefleet', {
    configurable: true,
    get: () => device,
    set: (value: EdgeDevice | undefined) => {
      device = value;
      if (!value) return;
      bench.marks.loaded = performance.now();
      let asked = false;
      const seen = (status: WebStatus): void => {
        const at = performance.now();
        if (bench.phases[bench.phases.length - 1]?.phase !== status.phase) bench.phases.push({ phase: status.phase, at });
        if (status.connected && bench.marks.connected === undefined) bench.marks.connected = at;
        if (asked || status.phase !== 'serving' || !status.active) return;
        asked = true;
        bench.marks.serving = at;
        bench.verification = status.verification ? { source: status.verification.source, probed: status.verification.probed } : null;
        value.predict({ numeric: { type: 'float32', dims: [1, 784], data: Float32Array.from(pixels) } }).then(
          (answer) => {
            bench.answer = { at: performance.now(), latencyMs: answer.latencyMs, version: answer.model.version };
            settle();
          },
          (error: unknown) => {
            bench.error = String(error);
            settle();
          },
        );
      };
      value.on('status', seen);
      seen(value.status());
    },
  });
}

/** Waits in the page for its first answer, then reads what the injected script and Resource Timing recorded. */
export async function collect(page: Page): Promise<PageTimings> {
  return page.evaluate(async (timeoutMs) => {
    const bench = (window as unknown as { __bench: PageBench }).__bench;
    await Promise.race([bench.answered, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
    const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    const resources = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((entry) => ({
      path: new URL(entry.name).pathname,
      start: entry.startTime,
      end: entry.responseEnd,
      transfer: entry.transferSize,
      encoded: entry.encodedBodySize,
      decoded: entry.decodedBodySize,
    }));
    const status = (window as unknown as { edgefleet?: EdgeDevice }).edgefleet?.status();
    const error = bench.error ?? (bench.answer ? null : `no answer within ${timeoutMs} ms; status ${JSON.stringify(status ?? null)}`);
    return { marks: bench.marks, phases: bench.phases, wasm: bench.wasm, crypto: bench.crypto, longTasks: bench.longTasks, answer: bench.answer, error, verification: bench.verification, htmlEnd: navigation?.responseEnd ?? Number.NaN, domContentLoaded: navigation?.domContentLoadedEventEnd ?? Number.NaN, resources };
  }, ANSWER_TIMEOUT_MS);
}

/** Per-call times in the page: `calls` predictions cycling through `batches`, each timed around predict(). */
export async function pagePredictRound(page: Page, batch: number, calls: number): Promise<{ total: number[]; model: number[] }> {
  return page.evaluate(
    async ({ batch, calls }) => {
      const device = (window as unknown as { edgefleet: EdgeDevice }).edgefleet;
      const inputs = (window as unknown as { __inputs: Record<number, Float32Array[]> }).__inputs[batch] ?? [];
      const total: number[] = [];
      const model: number[] = [];
      for (let i = 0; i < calls; i++) {
        const data = inputs[i % inputs.length] as Float32Array;
        const started = performance.now();
        const answer = await device.predict({ numeric: { type: 'float32', dims: [batch, 784], data } });
        total.push(performance.now() - started);
        model.push(answer.latencyMs);
      }
      return { total, model };
    },
    { batch, calls },
  );
}

// ---- in Node ----
