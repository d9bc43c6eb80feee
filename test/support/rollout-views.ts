/** What the hub's API answers about rollouts, devices and the audit trail, as the rollout e2e tests read it. */
import type { ReportedState } from '@edgefleet/protocol';

export interface RolloutView {
  id: string;
  model: string;
  version: string;
  state: string;
  step: number;
  stepStartedAt: string;
  halt: { reason: string; at: string; evidence?: unknown } | null;
  reverted: boolean;
  steps: { index: number; kind: string; state: string; devices?: Record<string, number> }[];
  devices: Record<string, number>;
  members: { device: string; step: number; mode: 'active' | 'shadow'; trafficShare: number | null; status: string; previous: string | null; error: string | null }[];
  gate: GateView | null;
  supersedes: string | null;
  supersededBy: string | null;
}

export interface GateView {
  verdict: string;
  metrics: { metric: string; outcome: string; value: number | null; control: number | null; samples?: number | null; controlSamples?: number | null; evidence: string }[];
  failed: string[];
  inconclusive: string[];
}

export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
}

export interface DeviceView {
  id: string;
  ring: string;
  online: boolean;
  state: ReportedState | null;
  assignment: { model: string; version: string; seq: number } | null;
}
