/**
 * The agent's reconcile loop: the device core's ReconcileLoop (shared with the browser runtime)
 * with the agent's errors and Node timers.
 */
import { ReconcileLoop, type ReconcileLoopDeps } from '@edgefleet/device-core';
import { AgentError, toAgentError } from './errors';

export type ReconcilerDeps = Omit<ReconcileLoopDeps<AgentError>, 'errors' | 'sleep'>;

export class Reconciler extends ReconcileLoop<AgentError> {
  constructor(deps: ReconcilerDeps) {
    super({ ...deps, errors: { toError: toAgentError }, sleep });
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
