/**
 * Shadow mode on live predictions (ROLLOUTS "Shadow"): after a served answer is computed, the
 * request is offered to the running shadow through a bounded queue; the shadow runs it later on
 * the same inputs, its answer is compared with the served one (device-core shadow/shadow-compare.ts) and
 * counted into the serving version's window, never returned to anyone. The serve path pays one
 * O(1) `offer` and never waits; a full queue drops the request and counts it.
 */
import { batchRows, BoundedQueue, compareShadow, comparisonRule } from '@edgefleet/device-core';
import type { ReleaseManifest, TensorJson } from '@edgefleet/protocol';
import type { LoadedModel } from './adapters/runtime';
import { checkInputs } from './core/predict-request';
import { toAgentError } from './errors';
import type { AgentLogger } from './logger';
import type { StatsRecorder } from './stats-recorder';

interface ShadowJob {
  served: ReleaseManifest;
  shadow: LoadedModel;
  /** the validated request inputs and the served outputs; never mutated after the response */
  inputs: Record<string, TensorJson>;
  outputs: Record<string, TensorJson>;
}

export interface ShadowRunnerDeps {
  /** the shadow that runs on live predictions right now (loaded and probed), if any */
  running(): LoadedModel | null;
  stats: StatsRecorder;
  capacity: number;
  logger: AgentLogger;
  /** defaults to setImmediate: shadow work starts after the response has been written */
  defer?: (start: () => void) => void;
}

export class ShadowRunner {
  private readonly queue: BoundedQueue<ShadowJob>;

  constructor(private readonly deps: ShadowRunnerDeps) {
    this.queue = new BoundedQueue<ShadowJob>({
      capacity: deps.capacity,
      work: (job) => this.run(job),
      onError: (error) => deps.logger.warn('shadow comparison failed', { error }),
      defer: deps.defer ?? ((start) => void setImmediate(start)),
    });
  }

  /** After `served` answered `inputs` with `outputs`: compare on the shadow later. Never throws. */
  offer(served: ReleaseManifest, inputs: Record<string, TensorJson>, outputs: Record<string, TensorJson>): void {
    const shadow = this.deps.running();
    if (!shadow) return;
    if (!this.queue.offer({ served, shadow, inputs, outputs })) this.deps.stats.recordShadowDropped(served, shadow.release);
  }

  /** Resolves once every comparison offered so far is counted (or dropped). */
  settled(): Promise<void> {
    return this.queue.settled();
  }

  /** Forgets waiting comparisons and waits for the running one. */
  close(): Promise<void> {
    return this.queue.close();
  }

  private async run(job: ShadowJob): Promise<void> {
    const { shadow, served } = job;
    const { stats } = this.deps;
    // Unloaded or replaced while the job waited: its counts would belong to no window.
    if (this.deps.running() !== shadow) return;
    const release = shadow.release;
    let outputs: Record<string, TensorJson>;
    const started = performance.now();
    try {
      // The request was validated against the served release; the shadow may declare other inputs.
      outputs = await shadow.run(checkInputs(job.inputs, release.io.inputs, 'shadow inputs'));
    } catch (error) {
      if (this.deps.running() !== shadow) return; // retired under the run: not the shadow's fault
      stats.recordShadowError(served, release, toAgentError(error, 'E_INFERENCE').code);
      return;
    }
    const latencyMs = performance.now() - started;
    const comparison = compareShadow(comparisonRule(served, release), batchRows(served, job.inputs), job.outputs, outputs);
    stats.recordShadow(served, release, comparison, latencyMs);
  }
}
