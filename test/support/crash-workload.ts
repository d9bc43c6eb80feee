/**
 * The writes a crash test drives against a hub it is about to kill (issue 16 "Crash safety of the
 * hub"), and the ledger of what the hub answered: a write with a 2xx reply is acknowledged and must
 * survive any crash; one whose connection died first is unknown (it happened fully or not at all).
 * Writes: model uploads (tiny real ONNX classifiers, each with its own bytes), dataset uploads,
 * enrolments, secret rotations, pins of the agents' devices, and rollouts over offline devices
 * (created, superseded, advanced). Drawn from a seed, a few at a time, until `stop`.
 */
import { createHash } from 'node:crypto';
import { mulberry32 } from '@edgefleet/protocol';
import { GraphBuilder, attr, encodeModel } from '../../hub/src/core/onnx';

export const CRASH_MODEL = 'crash';
export const PAPER_RINGS = ['paper-a', 'paper-b'] as const;
export const PROBE_HINT = JSON.stringify({ numeric: { dims: [1, 4] } });

/** A 4-feature, 3-class softmax classifier whose weights come from `seed`: every seed its own file. */
export function tinyClassifier(seed: number): Uint8Array {
  const random = mulberry32(seed);
  const g = new GraphBuilder(`crash_${seed}`);
  const x = g.input('numeric', 'float32', ['N', 4]);
  const weights = Float32Array.from({ length: 12 }, () => random() - 0.5);
  g.node('Softmax', [g.op('MatMul', [x, g.initializer('W', { type: 'float32', data: weights }, [4, 3])])], ['probabilities'], { axis: attr.int(-1) });
  g.output('probabilities', 'float32', ['N', 3]);
  return encodeModel(g.build());
}

function datasetCsv(seed: number): Uint8Array {
  const random = mulberry32(seed);
  const rows = Array.from({ length: 40 }, (_, i) => `${(random() * 10).toFixed(3)},${(random() * 100).toFixed(2)},${i % 2 === 0 ? 'ok' : 'worn'}`);
  return new TextEncoder().encode(`vibration,temperature,label\n${rows.join('\n')}\n`);
}

export type Outcome = 'acked' | 'unknown';

export interface AssignWrite {
  version: string;
  outcome: Outcome;
  /** from the reply; null when unknown */
  seq: number | null;
}

export interface Ledger {
  versions: Map<string, { sha256: string; outcome: Outcome }>;
  datasets: Map<string, { outcome: Outcome }>;
  devices: Map<string, { outcome: Outcome; ring: string; secret: string | null; rotations: Outcome[] }>;
  /** pins of the agents' devices, in the order they were sent */
  assignments: Map<string, AssignWrite[]>;
  /** acknowledged rollouts and the highest step a reply named */
  rollouts: Map<string, { step: number }>;
  /** unknown rollout writes (creations or advances) */
  unknownRollouts: number;
  /** replies that say the hub failed while it was up (5xx) or refused a write it should take */
  problems: string[];
  counts: Record<string, number>;
}

export function emptyLedger(): Ledger {
  return { versions: new Map(), datasets: new Map(), devices: new Map(), assignments: new Map(), rollouts: new Map(), unknownRollouts: 0, problems: [], counts: {} };
}

export interface WorkloadOptions {
  httpUrl: string;
  adminToken: string;
  ledger: Ledger;
  /** the devices pins go to (real agents) */
  agents: readonly string[];
  seed: number;
  /** writes in flight at once */
  concurrency: number;
  /** called with each acknowledged reply, in order */
  onAck?: (count: number) => void;
}

/** A unique number per write across rounds: labels, weights and dataset rows never repeat. */
let serial = 0;

export const WRITE_KINDS = ['upload', 'dataset', 'enrol', 'rotate', 'assign', 'rollout'] as const;
export type WriteKind = (typeof WRITE_KINDS)[number];

export interface Workload {
  /** one write of this kind now, on its own (e.g. to have one of each acknowledged before any kill) */
  write(kind: WriteKind): Promise<void>;
  /** `concurrency` writers drawing writes from the seed; each stops at its first connection failure (the hub is gone) */
  start(): void;
  /** no write starts after this; resolves once every write in flight has its outcome */
  stop(): Promise<void>;
}

export function workload(options: WorkloadOptions): Workload {
  const { ledger } = options;
  const random = mulberry32(options.seed);
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];
  let stopped = false;
  let acks = 0;
  const call = async (method: string, path: string, body?: { json?: unknown; bytes?: Uint8Array; type?: string }): Promise<{ status: number; json: Record<string, unknown> } | null> => {
    let status: number;
    let text: string;
    try {
      const response = await fetch(`${options.httpUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${options.adminToken}`, ...(body ? { 'content-type': body.type ?? 'application/json' } : {}) },
        ...(body ? { body: body.bytes ? Buffer.from(body.bytes) : JSON.stringify(body.json) } : {}),
        signal: AbortSignal.timeout(60_000),
      });
      status = response.status;
      text = await response.text();
    } catch {
      // Refused, reset or timed out before the whole reply came: the hub is gone (or going); what this write did is unknown.
      stopped = true;
      return null;
    }
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      ledger.problems.push(`${method} ${path}: ${status} with a body that is not JSON: ${text.slice(0, 300)}`);
    }
    if (status >= 500) ledger.problems.push(`${method} ${path}: ${status} ${JSON.stringify(json).slice(0, 300)}`);
    if (status < 300) options.onAck?.(++acks);
    return { status, json };
  };
  const count = (what: string, outcome: string): void => {
    const key = `${what} ${outcome}`;
    ledger.counts[key] = (ledger.counts[key] ?? 0) + 1;
  };
  const refused = (what: string, reply: { status: number; json: Record<string, unknown> }): void => {
    count(what, `refused ${reply.status}`);
    ledger.problems.push(`${what}: ${reply.status} ${JSON.stringify(reply.json).slice(0, 300)}`);
  };
  const ackedVersions = (): string[] => [...ledger.versions].filter(([, v]) => v.outcome === 'acked').map(([label]) => label);
  const ackedDevices = (): string[] => [...ledger.devices].filter(([, d]) => d.outcome === 'acked').map(([id]) => id);

  const writes: Record<WriteKind, () => Promise<void>> = {
    async upload() {
      const n = ++serial;
      const bytes = tinyClassifier(n);
      const label = `v${n}`;
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      ledger.versions.set(label, { sha256, outcome: 'unknown' });
      const reply = await call('POST', `/api/v1/models/${CRASH_MODEL}/versions?version=${label}&probe=${encodeURIComponent(PROBE_HINT)}`, { bytes, type: 'application/octet-stream' });
      if (reply === null) return count('upload', 'unknown');
      if (reply.status !== 201 || reply.json.sha256 !== sha256) return refused(`upload ${label}`, reply);
      ledger.versions.set(label, { sha256, outcome: 'acked' });
      count('upload', 'acked');
    },
    async dataset() {
      const n = ++serial;
      const bytes = datasetCsv(n);
      const id = createHash('sha256').update(bytes).digest('hex');
      ledger.datasets.set(id, { outcome: 'unknown' });
      const reply = await call('POST', `/api/v1/datasets?name=crash-${n}`, { bytes, type: 'text/csv' });
      if (reply === null) return count('dataset', 'unknown');
      if (reply.status !== 201 || reply.json.id !== id) return refused(`dataset ${id}`, reply);
      ledger.datasets.set(id, { outcome: 'acked' });
      count('dataset', 'acked');
    },
    async enrol() {
      const n = ++serial;
      const id = `paper-${n}`;
      const ring = PAPER_RINGS[n % PAPER_RINGS.length] ?? 'paper-a';
      ledger.devices.set(id, { outcome: 'unknown', ring, secret: null, rotations: [] });
      const reply = await call('POST', '/api/v1/devices', { json: { id, ring, tags: {} } });
      if (reply === null) return count('enrol', 'unknown');
      if (reply.status !== 201 || typeof reply.json.secret !== 'string') return refused(`enrol ${id}`, reply);
      ledger.devices.set(id, { outcome: 'acked', ring, secret: reply.json.secret, rotations: [] });
      count('enrol', 'acked');
    },
    async rotate() {
      const id = pick(ackedDevices());
      const device = id === undefined ? undefined : ledger.devices.get(id);
      if (id === undefined || !device) return writes.enrol();
      const reply = await call('POST', `/api/v1/devices/${id}/secret`);
      if (reply === null) {
        // The old secret may or may not still open the broker: nobody knows the new one.
        device.secret = null;
        device.rotations.push('unknown');
        return count('rotate', 'unknown');
      }
      if (reply.status !== 200 || typeof reply.json.secret !== 'string') return refused(`rotate ${id}`, reply);
      device.secret = reply.json.secret;
      device.rotations.push('acked');
      count('rotate', 'acked');
    },
    async assign() {
      const device = pick(options.agents);
      const version = pick(ackedVersions());
      if (device === undefined || version === undefined) return writes.upload();
      const list = ledger.assignments.get(device) ?? [];
      ledger.assignments.set(device, list);
      const write: AssignWrite = { version, outcome: 'unknown', seq: null };
      list.push(write);
      const reply = await call('PUT', `/api/v1/devices/${device}/assignment`, { json: { model: CRASH_MODEL, version } });
      if (reply === null) return count('assign', 'unknown');
      if (reply.status !== 200 || typeof reply.json.seq !== 'number') return refused(`assign ${device} ${version}`, reply);
      write.outcome = 'acked';
      write.seq = reply.json.seq;
      count('assign', 'acked');
    },
    async rollout() {
      const last = [...ledger.rollouts.keys()].at(-1);
      if (last !== undefined && random() < 0.5) {
        const reply = await call('POST', `/api/v1/rollouts/${last}/advance`);
        if (reply === null) {
          ledger.unknownRollouts++;
          return count('advance', 'unknown');
        }
        // A rollout already past its last step (or superseded) takes no advance: a 409, not a failure.
        if (reply.status === 409) return count('advance', 'refused 409');
        if (reply.status !== 200 || typeof reply.json.step !== 'number') return refused(`advance ${last}`, reply);
        const known = ledger.rollouts.get(last);
        if (known) known.step = Math.max(known.step, reply.json.step);
        return count('advance', 'acked');
      }
      const version = pick(ackedVersions());
      if (version === undefined) return writes.upload();
      const plan = { steps: PAPER_RINGS.map((ring) => ({ kind: 'ring', ring, successThreshold: 1, deadlineMinutes: 600 })) };
      const reply = await call('POST', '/api/v1/rollouts', { json: { model: CRASH_MODEL, version, plan, supersede: true } });
      if (reply === null) {
        ledger.unknownRollouts++;
        return count('rollout', 'unknown');
      }
      if (reply.status === 409) return count('rollout', 'refused 409');
      if (reply.status !== 201 || typeof reply.json.id !== 'string' || typeof reply.json.step !== 'number') return refused(`rollout of ${version}`, reply);
      ledger.rollouts.set(reply.json.id, { step: reply.json.step });
      count('rollout', 'acked');
    },
  };
  const weighted: readonly WriteKind[] = ['upload', 'upload', 'dataset', 'dataset', 'enrol', 'enrol', 'enrol', 'rotate', 'rotate', 'assign', 'assign', 'assign', 'rollout'];
  const writer = async (): Promise<void> => {
    while (!stopped) await writes[pick(weighted) ?? 'enrol']();
  };
  let running: Promise<unknown> = Promise.resolve();
  return {
    write: (kind) => writes[kind](),
    start() {
      running = Promise.all(Array.from({ length: options.concurrency }, writer));
    },
    async stop() {
      stopped = true;
      await running;
    },
  };
}
