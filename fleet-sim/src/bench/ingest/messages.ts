/**
 * What the ingest bench's parent and its publisher process exchange over IPC, and the marks the
 * publisher fills into the window template. Both processes import it; it imports nothing heavy,
 * so the publisher process loads no hub code.
 */
import { performance } from 'node:perf_hooks';

export const DEVICE_MARK = '@@DEVICE@@';
export const MSG_MARK = '@@MSGID@@';

export interface DeviceCredentials {
  id: string;
  secret: string | null;
}

export type ParentMessage =
  | { type: 'connect'; url: string; devices: DeviceCredentials[]; template: string; inflight: number; verbose: boolean }
  | { type: 'run'; run: string; perDevice: number; ratePerSecond: number | null; seconds: number | null }
  | { type: 'storm'; seq: number };

export type ChildMessage =
  | { type: 'connected'; failed: number }
  | { type: 'stormed'; failed: number; connectMs: number[] }
  | { type: 'done'; run: string; cpuSeconds: number; published: number; acked: number; firstPublishAt: number; lastAckAt: number; offerEndedAt: number; ackedByOfferEnd: number; latencies: number[]; disconnects: number };

/** Epoch milliseconds, comparable between the two processes (the timestamps in `done` are these). */
export const nowMs = (): number => performance.timeOrigin + performance.now();
