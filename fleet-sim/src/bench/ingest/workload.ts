/**
 * What the ingest bench publishes: a small classifier trained through the hub's API (so its
 * signed manifest carries a reference profile) and one statistics window on it as wire bytes,
 * with the device id and msgId left as marks for the publisher.
 */
import { encodeStatsWindow, type ReleaseManifest, type StatsWindow } from '@edgefleet/protocol';
import type { Hub } from '@edgefleet/hub';
import { windowOf } from '../../../../hub/src/core/drift';
import { mulberry32 } from '../../../../hub/src/core/seeded-random';
import { call } from './hub-api';
import { DEVICE_MARK, MSG_MARK } from './messages';

export const MODEL = 'ingest-bench';
export const VERSION = '1';

function syntheticCsv(features: number, rows: number): Uint8Array<ArrayBuffer> {
  const uniform = mulberry32(20_261_210);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const names = Array.from({ length: features }, (_, i) => `x${i + 1}`);
  const lines = [[...names, 'y'].join(',')];
  for (let r = 0; r < rows; r++) {
    const xs = names.map(() => gaussian());
    const score = xs.reduce((sum, x, i) => sum + (i % 2 === 0 ? x : -0.5 * x), 0);
    lines.push([...xs.map((x) => x.toFixed(4)), score > 0 ? 'high' : 'low'].join(','));
  }
  return new Uint8Array(new TextEncoder().encode(`${lines.join('\n')}\n`));
}

/** Trains a small classifier through the API: a version whose signed manifest carries a reference profile. */
export async function trainedVersion(hub: Hub, features: number): Promise<{ sha256: string; manifest: ReleaseManifest }> {
  const dataset = await call<{ id: string }>(hub, 'POST', '/api/v1/datasets?name=ingest-bench', undefined, syntheticCsv(features, 600));
  const run = await call<{ id: string }>(hub, 'POST', '/api/v1/training-runs', { dataset: dataset.id, target: 'y', task: 'classification', trainer: 'linear', model: MODEL, version: VERSION });
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { status } = await call<{ status: string }>(hub, 'GET', `/api/v1/training-runs/${run.id}`);
    if (status === 'succeeded') break;
    if (status === 'failed' || status === 'cancelled' || Date.now() > deadline) throw new Error(`training run ${status}`);
    await new Promise((wake) => setTimeout(wake, 200));
  }
  return call(hub, 'GET', `/api/v1/models/${MODEL}/versions/${VERSION}`);
}

/** One window's wire bytes with the device id and msgId left as marks (filled in by the publisher). */
export function windowTemplate(manifest: ReleaseManifest, sha256: string, rows: number): string {
  const reference = manifest.reference;
  if (!reference) throw new Error('the trained version has no reference profile');
  const uniform = mulberry32(7);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const start = Date.now() - 10 * 60_000;
  const window: StatsWindow = {
    ...windowOf(reference, {
      device: DEVICE_MARK,
      numeric: reference.features.map(() => Array.from({ length: rows }, gaussian)),
      predicted: Array.from({ length: rows }, () => (uniform() < 0.5 ? 0 : 1)),
      confidence: Array.from({ length: rows }, () => 0.5 + uniform() / 2),
      windowStart: new Date(start).toISOString(),
    }),
    msgId: MSG_MARK,
    model: MODEL,
    version: VERSION,
    sha256,
    windowEnd: new Date(start + 60_000).toISOString(),
  };
  return new TextDecoder().decode(encodeStatsWindow(window));
}
