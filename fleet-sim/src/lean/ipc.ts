/**
 * Parent <-> child messages of a lean fleet (node IPC, JSON). A request carries an id; the
 * child answers each with the same id. Validated with zod in the child (the edge it reads).
 */
import { z } from 'zod';
import type { DeviceSnapshot, DeviceTimings } from './device-types';
import { groupSpecSchema } from './inputs';
import { deviceCommandSchema, deviceStateSchema, leanOptionsSchema, type ProcessTally, type Survey } from './lean-process';

const deviceSpecSchema = z.strictObject({ id: z.string(), secret: z.string(), ring: z.string(), group: z.string(), seed: z.number().int() });

export const childCommandSchema = z.discriminatedUnion('cmd', [
  z.strictObject({ cmd: z.literal('init'), hubUrl: z.string(), groups: z.record(z.string(), groupSpecSchema), options: leanOptionsSchema, devices: z.array(deviceSpecSchema) }),
  z.strictObject({ cmd: z.literal('start'), rampMs: z.number().min(0), ids: z.array(z.string()).optional() }),
  z.strictObject({ cmd: z.literal('apply'), command: deviceCommandSchema }),
  z.strictObject({ cmd: z.literal('stats'), generating: z.boolean(), flush: z.boolean() }),
  z.strictObject({ cmd: z.literal('snapshots') }),
  z.strictObject({ cmd: z.literal('survey'), state: deviceStateSchema, ids: z.array(z.string()).optional() }),
  z.strictObject({ cmd: z.literal('timings') }),
  z.strictObject({ cmd: z.literal('tally') }),
  /** `gc`: collect garbage first (children run with --expose-gc), so heap figures are live objects */
  z.strictObject({ cmd: z.literal('usage'), gc: z.boolean().default(false) }),
  z.strictObject({ cmd: z.literal('stop') }),
]);
export type ChildCommand = z.input<typeof childCommandSchema>;

export const requestSchema = z.strictObject({ id: z.number().int(), command: childCommandSchema });

export interface ProcessUsage {
  pid: number;
  devices: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** CPU time since the process started, microseconds (user + system) */
  cpuMicros: number;
  /** devices connected to the broker */
  connected: number;
  /** event loop delay since the last usage call (p99, max), ms */
  lagP99Ms: number;
  lagMaxMs: number;
}

/** What each command answers. */
export interface ChildResults {
  init: number;
  start: number;
  apply: number;
  stats: null;
  snapshots: DeviceSnapshot[];
  survey: Survey;
  timings: DeviceTimings[];
  tally: ProcessTally;
  usage: ProcessUsage;
  stop: null;
}

export type ChildReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** Sent once by the child when it listens. */
export const READY = 'lean-child-ready';
