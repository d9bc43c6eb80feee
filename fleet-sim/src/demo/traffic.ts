/**
 * Traffic: every device is asked for predictions continuously, through its real local API
 * (POST /v1/predict), with rows from its own seeded stream. That is what fills the statistics
 * windows the agents send and so what the rollout's bake and gates judge: without traffic a gate
 * stays inconclusive.
 */
import type { TensorJson } from '@edgefleet/protocol';
import type { SimDevice } from './fleet';
import { MACHINE_FEATURES, machineStream, type MachineFeature, type MachineRow } from './machine-data';

/** Where each reading goes in a version's input tensor (from its release's reference profile). */
export interface InputLayout {
  input: string;
  width: number;
  columns: ReadonlyMap<MachineFeature, number>;
}

interface ReferenceFeatures {
  features: ReadonlyArray<{ name: string; source: { input: string; index: number } }>;
}

/** The layout a trained version expects; throws when its reference does not name the four readings of one input. */
export function layoutOf(label: string, reference: ReferenceFeatures | null): InputLayout {
  if (!reference) throw new Error(`${label} has no reference profile: the demo feeds raw readings by the reference's columns`);
  const inputs = new Set(reference.features.map((f) => f.source.input));
  const [input] = inputs;
  if (inputs.size !== 1 || input === undefined) throw new Error(`${label}: expected the readings in one input, got ${[...inputs].join(', ') || 'none'}`);
  const columns = new Map<MachineFeature, number>();
  for (const name of MACHINE_FEATURES) {
    const feature = reference.features.find((f) => f.name === name);
    if (!feature) throw new Error(`${label}: the reference has no feature "${name}"`);
    columns.set(name, feature.source.index);
  }
  return { input, width: Math.max(...columns.values()) + 1, columns };
}

export function tensorOf(layout: InputLayout, rows: readonly MachineRow[]): Record<string, TensorJson> {
  const data = new Array<number>(rows.length * layout.width).fill(0);
  rows.forEach((row, r) => {
    for (const [name, column] of layout.columns) data[r * layout.width + column] = row.readings[name];
  });
  return { [layout.input]: { type: 'float32', dims: [rows.length, layout.width], data } };
}

export interface TrafficOptions {
  /** rows per second per device (approximately: batches every requestIntervalMs) */
  rate: number;
  /** version -> layout; a device serving a version not listed is skipped */
  layouts: ReadonlyMap<string, InputLayout>;
  /** a failed request (first one per device and code), e.g. for the demo's log */
  onError(device: string, code: string): void;
}

/**
 * Requests per second per device, and for the whole fleet. Gates count error rate and latency
 * per request, so the canary needs requests more than rows to reach a gate's minimum within a
 * short bake: several small batches a second rather than one big one. But every agent shares
 * this process's one event loop with the hub, so a large fleet gets fewer, larger batches (the
 * same rows per second): past ~150 requests a second on a laptop the loop saturates, latency
 * climbs and the rollout controller falls behind.
 */
export const REQUESTS_PER_S = 5;
export const MAX_FLEET_REQUESTS_PER_S = 150;
const REQUEST_TIMEOUT_MS = 10_000;

/** Milliseconds between one device's requests for a fleet of `devices`. */
export const requestIntervalMs = (devices: number): number => Math.max(1000 / REQUESTS_PER_S, (1000 * devices) / MAX_FLEET_REQUESTS_PER_S);

export class Traffic {
  /** rows answered, requests refused (by error code) */
  readonly totals = { rows: 0, failed: new Map<string, number>() };
  private readonly streams = new Map<string, () => MachineRow>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly reported = new Set<string>();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  /** aborts the requests in flight on stop(): an agent that never answers must not hold up the shutdown */
  private readonly abort = new AbortController();

  constructor(
    private readonly devices: readonly SimDevice[],
    private readonly options: TrafficOptions,
  ) {
    for (const d of devices) this.streams.set(d.id, machineStream(d.seed));
  }

  /**
   * One timer per device, their phases spread over the tick: all agents share this process's
   * event loop, and a burst of every device at once would queue each request behind the others
   * and show up as latency in the statistics (the gates judge latency-p95).
   */
  start(): void {
    if (this.timers.length > 0 || this.stopped) return;
    const interval = requestIntervalMs(this.devices.length);
    const rows = Math.max(1, Math.round((this.options.rate * interval) / 1000));
    this.devices.forEach((device, i) => {
      const phase = setTimeout(() => {
        if (this.stopped) return;
        this.timers.push(setInterval(() => this.tick(device, rows), interval));
        this.tick(device, rows);
      }, Math.floor((i * interval) / this.devices.length));
      this.timers.push(phase);
    });
  }

  /** Stops sending and waits for the requests in flight (so agents can close cleanly after). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    this.abort.abort();
    await Promise.all(this.inFlight.values());
  }

  private tick(device: SimDevice, rows: number): void {
    // A slow device gets no second request on top of the first: load stays bounded.
    if (this.inFlight.has(device.id)) return;
    const request = this.send(device, rows).finally(() => this.inFlight.delete(device.id));
    this.inFlight.set(device.id, request);
  }

  private async send(device: SimDevice, count: number): Promise<void> {
    const agent = device.agent;
    const version = agent?.status().active?.version;
    const layout = version === undefined ? undefined : this.options.layouts.get(version);
    const next = this.streams.get(device.id);
    if (!agent || !layout || !next) return;
    const rows = Array.from({ length: count }, next);
    try {
      const response = await fetch(`${agent.localUrl}/v1/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: tensorOf(layout, rows) }),
        // A prediction of a few rows takes milliseconds; one that hangs is a finding, logged once.
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
      });
      const body = (await response.json()) as { error?: { code?: string } };
      if (response.ok) this.totals.rows += count;
      else this.fail(device.id, body.error?.code ?? `HTTP ${response.status}`);
    } catch (error) {
      if (this.stopped) return;
      // Timed out, or the agent's API is gone.
      this.fail(device.id, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    }
  }

  private fail(device: string, code: string): void {
    this.totals.failed.set(code, (this.totals.failed.get(code) ?? 0) + 1);
    const key = `${device}\u0000${code}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.options.onError(device, code);
  }
}
