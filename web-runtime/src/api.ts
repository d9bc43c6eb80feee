/**
 * The browser runtime's public shape: `load` a device (enrolling once with an operator's token),
 * then `predict`, read `status`, and listen with `on`. Everything here is what a page codes
 * against; how it is done lives in device/ and platform/.
 */
import type { AgentStatus, TypedTensor } from '@edgefleet/device-core';
import type { DeviceEvent, ModelRef, ReportedState } from '@edgefleet/protocol';

export type { TypedTensor } from '@edgefleet/device-core';
export type { DeviceEvent, ModelRef, ReportedState } from '@edgefleet/protocol';

export interface LoadOptions {
  /** the hub's base URL; default: the page's own origin (the hub serves the page) */
  hubUrl?: string;
  /**
   * A browser enrolment token from the operator (POST /api/v1/enrolment-tokens). Used only when
   * this browser holds no device credential yet; spent once, then the credential is kept in
   * IndexedDB and the token is never needed again.
   */
  enrolmentToken?: string;
  /** the IndexedDB database holding the credential, trust, state and unsent windows; default 'edgefleet-device' */
  database?: string;
  /** where the hub serves onnxruntime-web's wasm files; default `${hubUrl}/web-runtime/ort/` */
  wasmPaths?: string;
  /** diagnostics; default: silent. Secrets are never passed to it. */
  logger?: WebLogger;
}

export interface WebLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** How the serving model's bytes were checked before onnxruntime-web got them. */
export interface Verification {
  /** the release manifest's signing key ids that verified (Ed25519, WebCrypto) */
  keyids: string[];
  /** the SHA-256 of the exact bytes handed to onnxruntime-web, equal to the manifest's */
  sha256: string;
  size: number;
  /** where the bytes came from this time: the hub, or this browser's model cache (checked again on read) */
  source: 'network' | 'cache';
  /** the manifest's probe ran on these bytes and matched before the model first answered */
  probed: boolean;
}

/** `status()`: the agent's status body (the hub sees the same), plus what only a page shows. */
export interface WebStatus extends AgentStatus {
  /** the ring the enrolment token placed this browser in */
  ring: string;
  /** the MQTT session is up */
  connected: boolean;
  /** the serving model's verification, null while none serves */
  verification: Verification | null;
  /** statistics windows stored in IndexedDB, waiting for the MQTT link */
  pendingWindows: number;
  /** the runtime, e.g. "onnxruntime-web 1.30.0 (wasm)" */
  runtime: string;
  /** the model being fetched from the hub, while one is: bytes received of its signed size */
  download: { model: ModelRef; received: number; total: number } | null;
  /**
   * The broker refused this browser's credential: the operator removed the device or replaced its
   * secret. The page stops reconnecting; `forget()` and an enrolment link make it a device again.
   */
  refused: boolean;
}

export interface PredictOptions {
  /**
   * The request key: a string of 1 to 256 characters naming who or what the request is for (a
   * user, a session), as the agent's POST /v1/predict `key`. During a traffic ramp-up (the
   * deployment doc gives its shadow a `trafficShare`) the same key is always answered by the same
   * version; a request without one is drawn at random. Otherwise it changes nothing.
   */
  key?: string;
}

export interface WebPrediction {
  /** the release that answered: the serving one, or during a traffic ramp-up the candidate for its share */
  model: ModelRef;
  /** onnxruntime-web's output arrays (fresh per call: yours to keep) */
  outputs: Record<string, TypedTensor>;
  /** the model run alone, in milliseconds (performance.now) */
  latencyMs: number;
  /** one per row of the batch, as the agent's POST /v1/predict returns them */
  predictionIds: readonly string[];
}

export interface WebRuntimeEvents {
  /** any change of status() (model switched, error, connection, pending windows) */
  status: WebStatus;
  /** every device event (installed, activated, rollback, doc-rejected, ...), also while offline */
  event: DeviceEvent;
  /** every reported state, also while offline */
  report: ReportedState;
}

export interface EdgeDevice {
  /** this browser's device id (web-...) */
  readonly device: string;
  /**
   * Runs the serving model on `inputs` (one per `release.io.inputs`, typed arrays of the declared
   * type and shape); during a traffic ramp-up the candidate answers its share instead (sticky per
   * `options.key`), and the answer names it. Counted in the statistics window of the version that
   * answered, like an agent's request. Throws WebRuntimeError E_NO_MODEL before a model serves,
   * E_SCHEMA naming the input and field (or the key), and E_INFERENCE when onnxruntime-web fails.
   */
  predict(inputs: Readonly<Record<string, TypedTensor>>, options?: PredictOptions): Promise<WebPrediction>;
  status(): WebStatus;
  /** subscribes; returns the unsubscribe function */
  on<K extends keyof WebRuntimeEvents>(kind: K, listener: (value: WebRuntimeEvents[K]) => void): () => void;
  /** closes the current statistics window now and stores it (it goes out while connected) */
  flushStats(): Promise<void>;
  /** stops MQTT, timers and sessions; idempotent */
  close(): Promise<void>;
  /**
   * Closes, then forgets this browser's device: its credential, pinned trust, state, unsent
   * windows and cached models. The next `load` needs an enrolment token.
   */
  forget(): Promise<void>;
}
