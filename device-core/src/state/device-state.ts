/**
 * A device's state, as data (the agent's, and the browser runtime's): one discriminated union
 * says what the device is doing (never a set of booleans that could contradict each other); the
 * persisted record says what it trusts. Names say "agent" where the protocol does (AgentPhase,
 * ReportedState.agent): to the hub every device runtime is an agent.
 */
import type { AgentPhase, Envelope, ModelRef, ReleaseManifest, ReportedError, ReportedState } from '@edgefleet/protocol';

/** A release the agent accepted: the verified manifest plus the signed envelope it came in. */
export interface InstalledRelease {
  envelope: Envelope;
  manifest: ReleaseManifest;
}

/** The deployment doc the agent accepted last (PROTOCOL: seq strictly increases). */
export interface AcceptedDesired {
  seq: number;
  expires: string;
  envelope: Envelope;
  release: InstalledRelease;
  /** the verifier accepted a lower releaseCounter because the doc allowed it: report as rollback */
  downgrade: boolean;
  /** how often statistics windows close (absent in state files written before it existed) */
  statsIntervalS?: number;
  /** the doc's shadow candidate, verified like `release`; absent or null: none */
  shadow?: InstalledRelease | null;
}

/** An install of `seq` that was given up on; the agent waits for a newer doc (no retry loop). */
export interface InstallFailure {
  seq: number;
  sha256: string;
  error: ReportedError;
  /** transient failures (network) are forgotten on restart and tried again; bad models are not */
  transient: boolean;
}

/** Everything in dataDir/state.json. Written atomically, so it is always one whole version. */
export interface PersistedState {
  v: 1;
  /** the last deployment seq accepted (0 before any); never goes down */
  lastSeq: number;
  desired: AcceptedDesired | null;
  active: InstalledRelease | null;
  previous: InstalledRelease | null;
  /** learned from the hub's config so a restart can connect without the hub */
  brokerUrl: string | null;
  /** set once a trust document was pinned; a missing trust file after that is tampering, never a new TOFU */
  trustPinned: boolean;
  failure: InstallFailure | null;
}

export const emptyPersistedState = (): PersistedState => ({
  v: 1,
  lastSeq: 0,
  desired: null,
  active: null,
  previous: null,
  brokerUrl: null,
  trustPinned: false,
  failure: null,
});

export type InstallStage = 'downloading' | 'verifying' | 'loading' | 'probing';

/** What the agent is doing right now. The reported phase is derived from it. */
export type Activity =
  | { kind: 'settled' }
  | { kind: 'installing'; stage: InstallStage; seq: number; target: ModelRef };

/** The local API's /v1/status body, and what `agent.status()` returns. */
export interface AgentStatus {
  device: string;
  phase: AgentPhase;
  active: ModelRef | null;
  previous: ModelRef | null;
  /** the shadow candidate running beside the active model (loaded and probed), if any */
  shadow: ModelRef | null;
  /**
   * Traffic ramp-up: the shadow candidate answers `share` of the requests (sticky per request
   * key), `active` the rest; null when every request is answered by `active`. Optional: a
   * runtime that does not split traffic leaves it out (the agent and the browser runtime split).
   * Local only: the reported state carries `shadow`, the hub knows the share it sent.
   */
  traffic?: TrafficStatus | null;
  seq: number;
  error: ReportedError | null;
}

export interface TrafficStatus {
  /** the version answering the share (the running shadow) */
  candidate: ModelRef;
  /** 0 < share < 1: the doc's trafficShare */
  share: number;
}

export const refOf = (manifest: ReleaseManifest): ModelRef => ({
  model: manifest.model,
  version: manifest.version,
  sha256: manifest.artifact.sha256,
});

export const sameRelease = (a: ReleaseManifest, b: ReleaseManifest): boolean =>
  a.model === b.model && a.version === b.version && a.artifact.sha256 === b.artifact.sha256;

/**
 * PROTOCOL phases: while installing, the stage; when settled, `serving` if a model answers,
 * `failed` if none does because the last install failed, otherwise `idle`.
 */
export function phaseOf(activity: Activity, serving: boolean, failure: InstallFailure | null): AgentPhase {
  if (activity.kind === 'installing') return activity.stage;
  if (serving) return 'serving';
  return failure ? 'failed' : 'idle';
}

export interface AgentInfo {
  version: string;
  runtime: string;
  freeDiskBytes?: number;
}

export function reportedStateOf(status: AgentStatus, agent: AgentInfo, at: Date): ReportedState {
  return {
    device: status.device,
    seq: status.seq,
    phase: status.phase,
    active: status.active,
    previous: status.previous,
    shadow: status.shadow,
    error: status.error,
    agent: {
      version: agent.version,
      runtime: agent.runtime,
      ...(agent.freeDiskBytes === undefined ? {} : { freeDiskBytes: Math.max(0, Math.floor(agent.freeDiskBytes)) }),
    },
    at: at.toISOString(),
  };
}
