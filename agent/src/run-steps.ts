/**
 * The executor map: one function per step kind. `Executors` is a mapped type over the Step
 * union, so adding a step kind without an executor does not compile.
 */
import { refOf, sameRelease, type Step, type StepKind } from '@edgefleet/device-core';
import type { ReleaseManifest } from '@edgefleet/protocol';
import { downloadArtifact } from './adapters/download';
import type { HubFetch } from './adapters/hub-http';
import type { ModelFiles } from './adapters/model-files';
import { checkNewModel, LoadedModel } from './adapters/runtime';
import type { SandboxReport } from './adapters/probe-sandbox';
import type { SandboxPassed } from './adapters/sandbox-passed';
import type { ResolvedOptions } from './config';
import { probeIdentity, probeOf, type ProbeContext } from './probe-source';
import { SharedWork } from './core/shared-work';
import { AgentError } from './errors';
import type { AgentLogger } from './logger';
import type { World } from './world';

export interface StepContext {
  world: World;
  files: ModelFiles;
  options: ResolvedOptions;
  /** HTTP Basic header for artifact downloads */
  authorization: string;
  /** the HTTP client for the hub and artifact URLs (hub-http.ts: extra CAs) */
  fetch: HubFetch;
  logger: AgentLogger;
  /** model files that already passed the sandbox on this device */
  sandboxPassed: SandboxPassed;
  /** aborted when a newer doc supersedes this apply, or on shutdown */
  signal: AbortSignal;
}

type Executor<K extends StepKind> = (step: Extract<Step, { kind: K }>, ctx: StepContext) => Promise<void>;
export type Executors = { [K in StepKind]: Executor<K> };

const stage = (ctx: StepContext, stage: 'downloading' | 'verifying' | 'loading' | 'probing', seq: number, release: ReleaseManifest) =>
  ctx.world.setActivity({ kind: 'installing', stage, seq, target: refOf(release) });

export const executors: Executors = {
  async announce(step, { world }) {
    world.announcedSeq = step.seq;
    world.emit('install-started', { seq: step.seq, model: step.target });
  },

  async 'discard-candidate'(step, { world, logger }) {
    const candidate = world.candidate;
    world.candidate = null;
    logger.info('discarding candidate session', { reason: step.reason, model: candidate?.model.release.version });
    await candidate?.model.retire();
  },

  async download(step, ctx) {
    stage(ctx, 'downloading', step.seq, step.release);
    await fetchArtifact(step.release, ctx);
  },

  async load(step, ctx) {
    const { release } = step;
    stage(ctx, 'verifying', step.seq, release);
    const bytes = await ctx.files.readVerified(release.artifact.sha256, release.artifact.size);
    stage(ctx, 'loading', step.seq, release);
    // Blue-green: the candidate gets its own session beside the serving one, once the sandbox
    // has opened and probed it within this device's limits.
    ctx.world.candidate = { model: await loadGuarded(bytes, release, ctx), probed: false };
  },

  async 'share-serving'(step, ctx) {
    stage(ctx, 'loading', step.seq, step.release);
    // The same bytes as the serving release (checked when its session was loaded): another view
    // of that session, so this release is probed, served and counted as itself without a reload.
    ctx.world.candidate = { model: requireServing(ctx, step.release).share(step.release), probed: false };
  },

  async probe(step, ctx) {
    stage(ctx, 'probing', step.seq, step.release);
    const probe = await probeOf(step.release, ctx);
    const candidate = requireCandidate(ctx, step.release);
    await candidate.model.probe(probe);
    candidate.probed = true;
    ctx.world.emit('installed', { seq: step.seq, model: refOf(step.release) });
  },

  async activate(step, ctx) {
    const { world } = ctx;
    const candidate = requireCandidate(ctx, step.release);
    const desired = world.persisted.desired;
    // The planner derived this step from the current doc just now; anything else is a bug upstream.
    if (!desired || desired.seq !== step.seq) throw new AgentError('E_LOAD_FAILED', `activation of seq ${step.seq} superseded`, { transient: true });
    const installed = desired.release;
    // Keep the release we are leaving as `previous` (its file stays cached for instant rollback);
    // re-activating the same release (e.g. after its file was damaged) keeps the old previous.
    await world.update((state) => ({
      ...state,
      active: installed,
      previous: state.active && !sameRelease(state.active.manifest, step.release) ? state.active : state.previous,
      failure: null,
    }));

    const old = world.serving;
    world.serving = candidate.model;
    world.candidate = null;
    world.setError(null);
    const model = refOf(step.release);
    if (step.downgrade) world.emit('rollback', { seq: step.seq, model });
    world.emit('activated', { seq: step.seq, model });
    world.setActivity({ kind: 'settled' });
    world.report();
    await old?.retire();
  },

  async 'collect-garbage'(step, { files, logger }) {
    const removed = await files.collectGarbage(new Set(step.keep));
    if (removed.length > 0) logger.info('removed unused model files', { removed });
  },

  // Shadow steps: the same checks as an install (hash and size while downloading and again at
  // load, the probe), but they never change the activity, phase or error the hub sees for what
  // serves; a failure drops the shadow (agent.ts giveUp) and is reported as a shadow-failed event.

  async 'unload-shadow'(step, { world, logger }) {
    const shadow = world.shadow;
    world.setShadow(null);
    logger.info('unloading shadow session', { reason: step.reason, model: shadow?.model.release.version });
    world.report();
    await shadow?.model.retire();
  },

  async 'download-shadow'(step, ctx) {
    await fetchArtifact(step.release, ctx);
  },

  async 'load-shadow'(step, ctx) {
    const { release } = step;
    const bytes = await ctx.files.readVerified(release.artifact.sha256, release.artifact.size);
    ctx.world.setShadow({ model: await loadGuarded(bytes, release, ctx), probed: false });
  },

  async 'share-serving-shadow'(step, ctx) {
    ctx.world.setShadow({ model: requireServing(ctx, step.release).share(step.release), probed: false });
  },

  async 'probe-shadow'(step, ctx) {
    const { world } = ctx;
    const probe = await probeOf(step.release, ctx);
    const shadow = world.shadow;
    if (!shadow || !sameRelease(shadow.model.release, step.release)) {
      throw new AgentError('E_LOAD_FAILED', `no loaded shadow for ${step.release.model}@${step.release.version}`, { transient: true });
    }
    await shadow.model.probe(probe);
    world.setShadow({ ...shadow, probed: true });
    world.emit('shadow-loaded', { seq: step.seq, model: refOf(step.release) });
    world.report();
  },
};

/**
 * Sandbox checks under way in this process, by bytes, limits and probe: the agents of one process
 * (a simulated fleet) installing the same model share one child instead of starting one each.
 */
const checking = new SharedWork<SandboxReport>();

/** What loading a model through the sandbox uses of one agent's step (tests give it without a World). */
export type GuardContext = ProbeContext & Pick<StepContext, 'sandboxPassed'>;

/**
 * Bytes new to this device are scanned, opened and probed in the sandbox (runtime.ts
 * checkNewModel), then loaded here; bytes that passed before with the same probe (a restart, a
 * rollback) are loaded at once.
 */
export async function loadGuarded(bytes: Uint8Array, release: ReleaseManifest, ctx: GuardContext): Promise<LoadedModel> {
  const { sha256 } = release.artifact;
  const limits = ctx.options.modelLimits;
  const probeId = probeIdentity(release);
  if (!(await ctx.sandboxPassed.has(sha256, limits.memoryMb, probeId))) {
    // The probe is this agent's own (its files, credentials and signal): fetched inside the shared
    // check, the first agent's newer doc would fail the check for every agent waiting on it.
    const probe = await probeOf(release, ctx);
    // Each agent waits under its own signal: a newer doc for one of them ends its wait at once.
    // Nothing of one agent's context is used inside: only values the key pins and the shared signal.
    const key = `${sha256}:${limits.memoryMb}:${limits.timeoutMs}:${probeId}`;
    const sandbox = await checking.join(key, ctx.signal, (signal) => checkNewModel(bytes, release, probe, limits, signal));
    ctx.logger.info('model passed the sandbox', { model: release.model, version: release.version, ...sandbox });
    await ctx.sandboxPassed.add(sha256, limits.memoryMb, probeId);
  }
  return LoadedModel.load(bytes, release);
}

/** Downloads a release's artifact into the cache (hash and size checked while streaming). */
async function fetchArtifact(release: ReleaseManifest, ctx: StepContext): Promise<void> {
  if (release.artifact.size > ctx.options.maxArtifactBytes) {
    throw new AgentError('E_TOO_LARGE', `artifact is ${release.artifact.size} bytes, this device accepts at most ${ctx.options.maxArtifactBytes}`);
  }
  // THREATS 13: http(s) only, and nothing a URL parser would quietly rewrite (NUL, other control characters, spaces).
  if (!/^https?:\/\/[^\u0000-\u0020\u007f]+$/.test(release.artifact.url)) {
    throw new AgentError('E_BAD_PATH', `artifact url must be http(s) without control characters or spaces: ${JSON.stringify(release.artifact.url.slice(0, 200))}`);
  }
  const { tuning } = ctx.options;
  const result = await downloadArtifact({
    url: release.artifact.url,
    sha256: release.artifact.sha256,
    size: release.artifact.size,
    partPath: ctx.files.partPath(release.artifact.sha256),
    finalPath: ctx.files.modelPath(release.artifact.sha256),
    headers: { authorization: ctx.authorization },
    signal: ctx.signal,
    deadlineMs: tuning.downloadBaseDeadlineMs + Math.ceil((release.artifact.size / tuning.downloadMinBytesPerSec) * 1000),
    minBytesPerSec: tuning.downloadMinBytesPerSec,
    windowMs: tuning.downloadWindowMs,
    freeBytes: () => ctx.files.freeBytes(),
    fetch: ctx.fetch,
  });
  ctx.world.freeDiskBytes = await ctx.files.freeBytes();
  ctx.logger.info('artifact downloaded', { sha256: release.artifact.sha256, resumedFrom: result.resumedFrom, fetched: result.fetched });
}

function requireCandidate(ctx: StepContext, release: ReleaseManifest) {
  const candidate = ctx.world.candidate;
  if (!candidate || !sameRelease(candidate.model.release, release)) {
    throw new AgentError('E_LOAD_FAILED', `no loaded candidate for ${release.model}@${release.version}`, { transient: true });
  }
  return candidate;
}

/** The serving session, for a release of the same bytes; gone or replaced since the plan: re-plan. */
function requireServing(ctx: StepContext, release: ReleaseManifest): LoadedModel {
  const serving = ctx.world.serving;
  if (!serving || serving.release.artifact.sha256 !== release.artifact.sha256) {
    throw new AgentError('E_LOAD_FAILED', `no serving session with the bytes of ${release.model}@${release.version}`, { transient: true });
  }
  return serving;
}

/** Dispatch; the map's type guarantees an executor exists for `step.kind`. */
export function runStep(step: Step, ctx: StepContext): Promise<void> {
  const executor = executors[step.kind] as (step: Step, ctx: StepContext) => Promise<void>;
  return executor(step, ctx);
}
