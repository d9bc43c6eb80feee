/**
 * The plain data a lean device exposes to its process, the parent and benchmarks: who it is,
 * a snapshot of its state, and its timings (epoch ms, comparable across processes on one
 * machine): each MQTT session's connect and first desired doc, and for each deployment seq when
 * it arrived, was accepted (verified, manifest fetched), served or failed.
 */
import type { AgentPhase, ModelRef, ReportedError } from '@edgefleet/protocol';

export interface LeanDeviceSpec {
  id: string;
  secret: string;
  ring: string;
  /** the input group it draws from (scenario `given.groups`) */
  group: string;
  /** seeds its inputs, jitter and backoff */
  seed: number;
}

export const FAULT_KINDS = ['none', 'corrupt-download', 'slow-download'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface DeviceSnapshot {
  id: string;
  ring: string;
  group: string;
  connected: boolean;
  phase: AgentPhase;
  seq: number;
  active: ModelRef | null;
  previous: ModelRef | null;
  error: ReportedError | null;
  /** statistics windows waiting for their PUBACK */
  outbox: number;
  fault: FaultKind;
}

export interface SessionTiming {
  /** connect (or mqtt.js reconnect) started */
  startedAt: number;
  /** CONNACK */
  connectedAt: number | null;
  /** the first message on its desired topic in this session (the retained doc) */
  desiredAt: number | null;
}

export interface SeqTiming {
  seq: number;
  version: string;
  receivedAt: number;
  acceptedAt: number;
  servingAt: number | null;
  failedAt: number | null;
  code: string | null;
}

export interface DeviceTimings {
  id: string;
  ring: string;
  group: string;
  sessions: SessionTiming[];
  seqs: SeqTiming[];
}

/** Bounded, so a week-long soak does not grow without end. */
const MAX_SESSIONS = 64;
const MAX_SEQS = 64;

export class DeviceClock {
  private readonly sessions: SessionTiming[] = [];
  private readonly seqs: SeqTiming[] = [];

  constructor(private readonly spec: Pick<LeanDeviceSpec, 'id' | 'ring' | 'group'>) {}

  connecting(): void {
    const last = this.sessions[this.sessions.length - 1];
    // mqtt.js retries without a CONNACK in between: one session until it connects.
    if (last && last.connectedAt === null) return;
    this.sessions.push({ startedAt: Date.now(), connectedAt: null, desiredAt: null });
    if (this.sessions.length > MAX_SESSIONS) this.sessions.shift();
  }

  connected(): void {
    const last = this.sessions[this.sessions.length - 1];
    if (last && last.connectedAt === null) last.connectedAt = Date.now();
  }

  desiredArrived(at: number): void {
    const last = this.sessions[this.sessions.length - 1];
    if (last && last.connectedAt !== null && last.desiredAt === null) last.desiredAt = at;
  }

  accepted(seq: number, version: string, receivedAt: number, acceptedAt: number): void {
    this.seqs.push({ seq, version, receivedAt, acceptedAt, servingAt: null, failedAt: null, code: null });
    if (this.seqs.length > MAX_SEQS) this.seqs.shift();
  }

  serving(seq: number, at: number): void {
    const entry = this.seqs.find((s) => s.seq === seq);
    if (entry && entry.servingAt === null) entry.servingAt = at;
  }

  failed(seq: number, at: number, code: string): void {
    const entry = this.seqs.find((s) => s.seq === seq);
    if (entry) {
      entry.failedAt = at;
      entry.code = code;
    }
  }

  timings(): DeviceTimings {
    return { id: this.spec.id, ring: this.spec.ring, group: this.spec.group, sessions: this.sessions.map((s) => ({ ...s })), seqs: this.seqs.map((s) => ({ ...s })) };
  }
}
