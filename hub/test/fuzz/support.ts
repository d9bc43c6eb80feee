/** What the hub's fuzz suites share: a small real model, and reading the hub's state to compare before and after. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hub } from '../../src/index';
import { GraphBuilder, attr, encodeModel } from '../../src/core/onnx';
import { api } from '../support';

/** A softmax classifier over 3 features (a few hundred bytes): uploads and probes in milliseconds. */
export function classifierOnnx(scale = 1): Uint8Array {
  const g = new GraphBuilder('fuzz_classifier');
  const x = g.input('x', 'float32', ['N', 3]);
  const w = Float32Array.from([2, -1, 0, 0, 1.5, -1, -1, 0, 1].map((v) => v * scale));
  const logits = g.op('Add', [g.op('MatMul', [x, g.initializer('W', { type: 'float32', data: w }, [3, 3])]), g.initializer('B', { type: 'float32', data: Float32Array.from([0.1, 0, -0.1]) }, [3])]);
  g.node('Softmax', [logits], ['probabilities'], { axis: attr.int(-1) });
  g.output('probabilities', 'float32', ['N', 3]);
  return encodeModel(g.build());
}

/** GET `path` as the admin; throws on anything but 200, so a snapshot never hides a failing read. */
export async function read<T = unknown>(hub: Hub, path: string): Promise<T> {
  const reply = await api<T>(hub, 'GET', path);
  if (reply.status !== 200) throw new Error(`GET ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** Every file under `dir` (relative paths, sorted): what a refused upload must not add to. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

/** The total of the hub's ingestion counters: how many device messages it has decided on. */
export async function ingestDecisions(hub: Hub): Promise<number> {
  const stats = await read<{ ingest: { received: Record<string, number>; rejected: Record<string, number> } }>(hub, '/api/v1/broker/stats');
  const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
  return sum(stats.ingest.received) + sum(stats.ingest.rejected);
}

/** An HTTP error reply as the API promises it: `{ error: { code, message } }`. */
export function isErrorBody(body: unknown): body is { error: { code: string; message: string; details?: unknown } } {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const { error } = body as { error: unknown };
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' && /^E_[A-Z_]+$/.test((error as { code: string }).code) && typeof (error as { message?: unknown }).message === 'string';
}
