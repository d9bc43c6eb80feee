/**
 * The admin API calls a lean fleet needs, through the demo's AdminApi (every reply parsed):
 * enrolment and pins in parallel batches (each enrolment hashes a secret, each pin signs a doc:
 * a bounded number in flight keeps the hub responsive), rings, and a machine-health classifier
 * trained through the API for scenarios and tests that need a version with a reference profile.
 */
import { z } from 'zod';
import { AdminApi, createdRunSchema, datasetSchema, enrolledSchema, runSchema, anySchema } from '../demo/api';
import { MACHINE_TARGET, machineCsv, type Shift } from '../demo/machine-data';

export { AdminApi };

/** Runs `fn` over `items` with at most `concurrency` in flight; results in input order. */
export async function inBatches<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}

export interface Enrolment {
  id: string;
  ring: string;
  tags?: Record<string, string>;
}

/** `POST /api/v1/devices` for each; returns the secrets (shown once) by device id. */
export async function enrolDevices(api: AdminApi, devices: readonly Enrolment[], concurrency = 16): Promise<Map<string, string>> {
  const secrets = await inBatches(devices, concurrency, async (d) => (await api.post('/api/v1/devices', enrolledSchema, { json: { id: d.id, ring: d.ring, tags: d.tags ?? {} } })).secret);
  return new Map(devices.map((d, i) => [d.id, secrets[i] as string]));
}

/** Creates or moves rings so they are ordered as given (the first is the canary). */
export async function putRings(api: AdminApi, rings: readonly string[]): Promise<void> {
  for (const [position, ring] of rings.entries()) await api.put(`/api/v1/rings/${encodeURIComponent(ring)}`, anySchema, { json: { position } });
}

/** `PUT /api/v1/devices/{id}/assignment` for each. */
export async function pinDevices(api: AdminApi, ids: readonly string[], model: string, version: string, concurrency = 16): Promise<void> {
  await inBatches(ids, concurrency, (id) => api.put(`/api/v1/devices/${id}/assignment`, anySchema, { json: { model, version } }));
}

export interface MachineVersion {
  model: string;
  version: string;
  /** seeds the training rows; default 1 */
  seed?: number;
  /** training data shifted by these sds (a miscalibrated sensor) */
  shift?: Shift;
  rows?: number;
  /** deadline for the training run; default 180 s */
  timeoutMs?: number;
}

/** Uploads seeded machine-health rows and trains a linear classifier on them as `model@version`. */
export async function trainMachineVersion(api: AdminApi, spec: MachineVersion): Promise<void> {
  const seed = spec.seed ?? 1;
  const dataset = await api.post(`/api/v1/datasets?name=lean-${spec.model}-${spec.version}`, datasetSchema, { bytes: machineCsv(spec.rows ?? 3000, seed, spec.shift ?? {}), contentType: 'text/csv' });
  const run = await api.post('/api/v1/training-runs', createdRunSchema, {
    json: { dataset: dataset.id, target: MACHINE_TARGET, task: 'classification', trainer: 'linear', params: { epochs: 30 }, model: spec.model, version: spec.version, seed },
  });
  const deadline = Date.now() + (spec.timeoutMs ?? 180_000);
  for (;;) {
    const view = await api.get(`/api/v1/training-runs/${run.id}`, runSchema);
    if (view.status === 'succeeded') return;
    if (view.status === 'failed' || view.status === 'cancelled') throw new Error(`training ${spec.model}@${spec.version} ${view.status}: ${JSON.stringify(view.error)}`);
    if (Date.now() > deadline) throw new Error(`training ${spec.model}@${spec.version} still ${view.status} at its deadline`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export const statsViewSchema = z.looseObject({ devices: z.number(), windows: z.number(), merged: z.looseObject({ n: z.number(), errors: z.record(z.string(), z.number()) }).nullable() });
export type StatsView = z.infer<typeof statsViewSchema>;
