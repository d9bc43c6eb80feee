/**
 * The agent's handling of the hub's retained topics: the device core's DeploymentDocs (shared with
 * the browser runtime) with the agent's store, errors, runtime and Node timers.
 */
import { DeploymentDocs } from '@edgefleet/device-core';
import type { ReleaseRef } from '@edgefleet/protocol';
import { MAX_OPSET, RUNTIME_VERSION } from './adapters/runtime';
import type { AgentStore } from './adapters/store';
import { type AgentError, reportable, toAgentError } from './errors';
import type { AgentLogger } from './logger';
import type { World } from './world';

export interface DocHandlerDeps {
  world: World;
  store: AgentStore;
  deviceId: string;
  now: () => Date;
  logger: AgentLogger;
  /** a new doc was accepted and persisted: the reconciler should re-plan */
  onAccepted(): void;
  /** a release manifest the doc names by reference, from the hub (the caller checks its hash) */
  fetchRelease(ref: ReleaseRef): Promise<Uint8Array>;
  /** one version of the hub's trust chain (null: the hub has none), to walk from the pinned version */
  fetchTrust(version: number): Promise<Uint8Array | null>;
  /** a doc whose manifest could not be fetched (hub unreachable) is tried again after this, doubling */
  retry: { baseMs: number; maxMs: number };
}

export class DocHandler extends DeploymentDocs<AgentError> {
  constructor(deps: DocHandlerDeps) {
    super({
      state: deps.world,
      saveTrust: (envelope) => deps.store.saveTrust(envelope),
      deviceId: deps.deviceId,
      now: deps.now,
      logger: deps.logger,
      runtime: { version: RUNTIME_VERSION, maxOpset: MAX_OPSET },
      onAccepted: deps.onAccepted,
      fetchRelease: deps.fetchRelease,
      fetchTrust: deps.fetchTrust,
      retry: deps.retry,
      errors: { toError: toAgentError, reportable },
      schedule: (fn, ms) => {
        const timer = setTimeout(fn, ms);
        timer.unref();
        return () => clearTimeout(timer);
      },
    });
  }
}
