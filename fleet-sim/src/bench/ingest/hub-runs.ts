/**
 * The ingest bench's runs against the hub: a publishing run (sustained or paced) measured until
 * every window is committed, with what was stored against what was sent; and the reconnect storm.
 */
import { performance } from 'node:perf_hooks';
import type { Hub } from '@edgefleet/hub';
import type { StatsWindow } from '@edgefleet/protocol';
import type { HubRunFigures, StormFigures } from './figures';
import { call, committed } from './hub-api';
import { nowMs, type ChildMessage } from './messages';
import { figuresOf, measured, quantile } from './probe';
import type { Publisher } from './publisher';
import { MODEL, VERSION } from './workload';

interface Stored {
  windows: number;
  rows: number;
  received: number;
  duplicates: number;
  refused: number;
}

async function storedCounts(hub: Hub): Promise<Stored> {
  const view = await call<{ windows: number; merged: StatsWindow | null }>(hub, 'GET', `/api/v1/models/${MODEL}/versions/${VERSION}/stats`);
  const stats = await call<{ ingest: { received: Record<string, number>; rejected: Record<string, number> } }>(hub, 'GET', '/api/v1/broker/stats');
  const rejected = Object.entries(stats.ingest.rejected);
  return {
    windows: view.windows,
    rows: view.merged?.n ?? 0,
    received: stats.ingest.received.stats ?? 0,
    duplicates: stats.ingest.rejected.E_DUPLICATE ?? 0,
    refused: rejected.filter(([code]) => code !== 'E_DUPLICATE').reduce((sum, [, n]) => sum + n, 0),
  };
}

interface HubRun {
  figures: HubRunFigures;
  done: Extract<ChildMessage, { type: 'done' }>;
  httpMs: number[];
  /** committed windows of this run over time (epoch ms, count) */
  samples: Array<[number, number]>;
}

export async function hubRun(hub: Hub, publisher: Publisher, run: string, devices: number, perDevice: number, rows: number, rate: number | null, seconds: number | null): Promise<HubRun> {
  const before = await storedCounts(hub);
  const total = devices * perDevice;
  return measured(async (loop) => {
    const httpMs: number[] = [];
    const samples: Array<[number, number]> = [];
    let publishing = true;
    // Polls the hub's counters (also its HTTP latency) until every window of the run is committed.
    const poll = (async () => {
      for (;;) {
        const t0 = performance.now();
        // A failed request (the event loop too busy to answer) counts as one that never returns.
        const stats = await call<{ ingest: { received: Record<string, number>; rejected: Record<string, number> } }>(hub, 'GET', '/api/v1/broker/stats').catch(() => null);
        httpMs.push(stats ? performance.now() - t0 : Number.POSITIVE_INFINITY);
        if (stats) samples.push([nowMs(), committed(stats) - before.received - before.duplicates]);
        const last = samples.at(-1)?.[1] ?? 0;
        if (!publishing && last >= total) return;
        await new Promise((wake) => setTimeout(wake, 50));
      }
    })();
    const done = await publisher.run(run, perDevice, rate, seconds);
    const atLastAck = committed(await call(hub, 'GET', '/api/v1/broker/stats')) - before.received - before.duplicates;
    publishing = false;
    // At most 2 minutes more for the commits to catch up; the timer must not keep the process alive after.
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([poll, new Promise((wake) => (deadline = setTimeout(wake, 120_000)))]);
    clearTimeout(deadline);
    const after = await storedCounts(hub);
    const storedAllAt = samples.find(([, count]) => count >= total)?.[0] ?? nowMs();
    const base = figuresOf(done, loop);
    const figures: HubRunFigures = {
      ...base,
      storedRate: total / ((storedAllAt - done.firstPublishAt) / 1000),
      cpuMicrosPerWindow: (base.cpuSeconds * 1e6) / total,
      ackedNotStored: Math.max(0, done.acked - atLastAck),
      stored: after.windows - before.windows,
      received: after.received - before.received,
      duplicates: after.duplicates - before.duplicates,
      refused: after.refused - before.refused,
      storedRows: after.rows - before.rows,
      sentRows: done.published * rows,
    };
    return { figures, done, httpMs: httpMs.sort((a, b) => a - b), samples };
  });
}

/** Every device drops and reconnects at once, then publishes its state and `online`: until all of it is committed. */
export async function stormRun(hub: Hub, publisher: Publisher, devices: number, log: (line: string) => void): Promise<StormFigures> {
  type Counts = { ingest: { received: Record<string, number> } };
  const states = async (): Promise<number> => (await call<Counts>(hub, 'GET', '/api/v1/broker/stats')).ingest.received.state ?? 0;
  const before = await states();
  log(`reconnect storm: ${devices} devices`);
  return measured(async (loop) => {
    const started = performance.now();
    const httpMs: number[] = [];
    let waiting = true;
    const probe = (async () => {
      while (waiting) {
        const t0 = performance.now();
        const ok = await call(hub, 'GET', '/api/v1/broker/stats').then(
          () => true,
          () => false,
        );
        httpMs.push(ok ? performance.now() - t0 : Number.POSITIVE_INFINITY);
        await new Promise((wake) => setTimeout(wake, 50));
      }
    })();
    const stormed = await publisher.storm(1);
    const deadline = Date.now() + 120_000;
    while ((await states()) - before < devices - stormed.failed && Date.now() < deadline) await new Promise((wake) => setTimeout(wake, 20));
    const seconds = (performance.now() - started) / 1000;
    waiting = false;
    await probe;
    const listed = await call<{ devices: Array<{ online: boolean }> }>(hub, 'GET', '/api/v1/devices');
    const connect = [...stormed.connectMs].sort((a, b) => a - b);
    return {
      devices,
      seconds,
      connectP50Ms: quantile(connect, 0.5),
      connectP99Ms: quantile(connect, 0.99),
      failed: stormed.failed,
      online: listed.devices.filter((device) => device.online).length,
      loopDelayP99Ms: loop.delay.percentile(99) / 1e6,
      loopDelayMaxMs: loop.delay.max / 1e6,
      httpP99Ms: quantile(httpMs.sort((a, b) => a - b), 0.99),
    };
  });
}

/** The committed count at `at`, read off the samples (linear between the two around it). */
export function countAt(samples: ReadonlyArray<[number, number]>, at: number): number {
  let previous: [number, number] = [0, 0];
  for (const sample of samples) {
    if (sample[0] >= at) return previous[1] + ((sample[1] - previous[1]) * (at - previous[0])) / Math.max(1, sample[0] - previous[0]);
    previous = sample;
  }
  return previous[1];
}
