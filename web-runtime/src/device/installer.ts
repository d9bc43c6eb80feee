/**
 * Following the accepted deployment doc, as the agent does: the device core's planner (desired x
 * observed -> steps) is run again after every step, and each step has an executor here. Bytes
 * come from the hub or the model cache and are checked against the signed manifest (size and
 * SHA-256) before onnxruntime-web sees them; the candidate gets its own session beside the serving
 * one and must pass the manifest's probe before it serves (blue-green). A failure leaves what
 * serves serving: transient ones (network) are tried again with backoff, a bad model is reported
 * once and the device waits for a newer doc. Shadow steps never touch what serves.
 */
import { cachedFilesOf, giveUpInstall, ReconcileLoop, refOf, sameRelease, type DesiredView, type Observed, type Step, type StepKind } from '@edgefleet/device-core';
import { isProbeRef, openProbeBlob, ProtocolError, type Probe, type ReleaseManifest } from '@edgefleet/protocol';
import type { Verification, WebLogger } from '../api';
import { reportable, toWebError, WebRuntimeError } from '../errors';
import type { HubHttp } from '../platform/hub-http';
import type { ModelCache } from '../platform/model-cache';
import { LoadedModel } from '../runtime/ort-web';
import type { Installed, LiveState } from './live-state';

export interface InstallerDeps {
  state: LiveState;
  hub: HubHttp;
  cache: ModelCache;
  logger: WebLogger;
  retry: { baseMs: number; maxMs: number; maxAttempts: number };
  maxArtifactBytes: number;
}

type Executor<K extends StepKind> = (step: Extract<Step, { kind: K }>, signal: AbortSignal) => Promise<void>;

export class Installer {
  /** bytes verified this session but not kept in Cache Storage (its quota was full) */
  private readonly inMemory = new Map<string, Uint8Array>();
  /** hashes fetched from the hub in this page's life (the verification says "network" for them) */
  private readonly fetchedNow = new Set<string>();
  /** the bytes the last download verified, handed to the load step that follows (not read and hashed again) */
  private justFetched: { sha256: string; bytes: Uint8Array } | null = null;
  private readonly loop: ReconcileLoop<WebRuntimeError>;

  constructor(private readonly deps: InstallerDeps) {
    this.loop = new ReconcileLoop<WebRuntimeError>({
      observe: () => this.observe(),
      desired: () => this.desired(),
      run: (step, signal) => this.run(step, signal),
      giveUp: (step, error) => giveUpInstall(step, error, deps.state, { reportable, logger: deps.logger }),
      settled: () => deps.state.setActivity({ kind: 'settled' }),
      retry: deps.retry,
      logger: deps.logger,
      errors: { toError: toWebError },
      sleep,
    });
  }

  /** A doc was accepted: plan again. */
  trigger(): void {
    this.loop.trigger();
  }

  close(): Promise<void> {
    return this.loop.close();
  }

  private desired(): DesiredView | null {
    const desired = this.deps.state.persisted.desired;
    return desired ? { seq: desired.seq, release: desired.release.manifest, downgrade: desired.downgrade, shadow: desired.shadow?.manifest ?? null } : null;
  }

  private async observe(): Promise<Observed> {
    const { state, cache } = this.deps;
    const cached = await cache.list();
    for (const sha of this.inMemory.keys()) cached.add(sha);
    return {
      serving: state.serving?.model.release ?? null,
      candidate: state.candidate ? { release: state.candidate.model.release, probed: state.candidate.verification.probed } : null,
      shadow: state.shadow ? { release: state.shadow.model.release, probed: state.shadow.verification.probed } : null,
      shadowFailed: state.shadowFailure,
      cached,
      retained: [state.persisted.active, state.persisted.previous].flatMap((r) => (r ? cachedFilesOf(r.manifest) : [])),
      announcedSeq: state.announcedSeq,
      failedSeq: state.persisted.failure?.seq ?? null,
    };
  }

  private run(step: Step, signal: AbortSignal): Promise<void> {
    const executor = this.executors[step.kind] as (step: Step, signal: AbortSignal) => Promise<void>;
    return executor(step, signal);
  }

  private stage(stage: 'downloading' | 'verifying' | 'loading' | 'probing', seq: number, release: ReleaseManifest): void {
    this.deps.state.setActivity({ kind: 'installing', stage, seq, target: refOf(release) });
  }

  private readonly executors: { [K in StepKind]: Executor<K> } = {
    announce: async (step) => {
      this.deps.state.announcedSeq = step.seq;
      this.deps.state.emit('install-started', { seq: step.seq, model: step.target });
    },
    'discard-candidate': async (step) => {
      const candidate = this.deps.state.candidate;
      this.deps.state.candidate = null;
      this.deps.logger.info('discarding candidate session', { reason: step.reason });
      await candidate?.model.retire();
    },
    download: async (step, signal) => {
      this.stage('downloading', step.seq, step.release);
      await this.fetchModel(step.release, signal);
    },
    load: async (step) => {
      this.stage('verifying', step.seq, step.release);
      const { bytes, source } = await this.verifiedBytes(step.release);
      this.stage('loading', step.seq, step.release);
      this.deps.state.candidate = { model: await LoadedModel.load(bytes, step.release), verification: this.verification(step.release, source) };
    },
    'share-serving': async (step) => {
      this.stage('loading', step.seq, step.release);
      const serving = this.requireServing(step.release);
      this.deps.state.candidate = { model: serving.model.share(step.release), verification: { ...serving.verification, keyids: this.keyidsOf(step.release), probed: false } };
    },
    probe: async (step) => {
      this.stage('probing', step.seq, step.release);
      const candidate = this.requireCandidate(step.release);
      await candidate.model.probe(await this.probeOf(step.release));
      candidate.verification = { ...candidate.verification, probed: true };
      this.deps.state.emit('installed', { seq: step.seq, model: refOf(step.release) });
    },
    activate: async (step) => {
      const { state } = this.deps;
      const candidate = this.requireCandidate(step.release);
      const desired = state.persisted.desired;
      if (!desired || desired.seq !== step.seq) throw new WebRuntimeError('E_LOAD_FAILED', `activation of seq ${step.seq} superseded`, { transient: true });
      const installed = desired.release;
      await state.update((current) => ({
        ...current,
        active: installed,
        previous: current.active && !sameRelease(current.active.manifest, step.release) ? current.active : current.previous,
        failure: null,
      }));
      const old = state.serving;
      state.candidate = null;
      state.serving = candidate;
      state.setError(null);
      const model = refOf(step.release);
      if (step.downgrade) state.emit('rollback', { seq: step.seq, model });
      state.emit('activated', { seq: step.seq, model });
      state.setActivity({ kind: 'settled' });
      state.report();
      await old?.model.retire();
    },
    'collect-garbage': async (step) => {
      const keep = new Set(step.keep);
      for (const sha of this.inMemory.keys()) if (!keep.has(sha)) this.inMemory.delete(sha);
      const removed = await this.deps.cache.collectGarbage(keep);
      if (removed.length > 0) this.deps.logger.info('removed unused models from the cache', { removed });
    },
    'unload-shadow': async (step) => {
      const shadow = this.deps.state.shadow;
      this.deps.state.setShadow(null);
      this.deps.logger.info('unloading shadow session', { reason: step.reason });
      this.deps.state.report();
      await shadow?.model.retire();
    },
    'download-shadow': async (step, signal) => {
      await this.fetchModel(step.release, signal);
    },
    'load-shadow': async (step) => {
      const { bytes, source } = await this.verifiedBytes(step.release);
      this.deps.state.setShadow({ model: await LoadedModel.load(bytes, step.release), verification: this.verification(step.release, source) });
    },
    'share-serving-shadow': async (step) => {
      const serving = this.requireServing(step.release);
      this.deps.state.setShadow({ model: serving.model.share(step.release), verification: { ...serving.verification, keyids: this.keyidsOf(step.release), probed: false } });
    },
    'probe-shadow': async (step) => {
      const shadow = this.deps.state.shadow;
      if (!shadow || !sameRelease(shadow.model.release, step.release)) throw new WebRuntimeError('E_LOAD_FAILED', `no loaded shadow for ${step.release.model}@${step.release.version}`, { transient: true });
      await shadow.model.probe(await this.probeOf(step.release));
      this.deps.state.setShadow({ ...shadow, verification: { ...shadow.verification, probed: true } });
      this.deps.state.emit('shadow-loaded', { seq: step.seq, model: refOf(step.release) });
      this.deps.state.report();
    },
  };

  /** Downloads, verifies and keeps a release's model (in Cache Storage, else in memory for this page). */
  private async fetchModel(release: ReleaseManifest, signal: AbortSignal): Promise<void> {
    const { artifact } = release;
    if (artifact.size > this.deps.maxArtifactBytes) throw new WebRuntimeError('E_TOO_LARGE', `artifact is ${artifact.size} bytes, this page accepts at most ${this.deps.maxArtifactBytes}`);
    const { state } = this.deps;
    const model = refOf(release);
    // Progress for the page, at most every 1% of the file: a status change per network chunk would flood listeners.
    let shown = -1;
    const progress = (received: number) => {
      const percent = Math.floor((received * 100) / Math.max(1, artifact.size));
      if (percent === shown) return;
      shown = percent;
      state.setDownload({ model, received, total: artifact.size });
    };
    progress(0);
    let bytes: Uint8Array;
    try {
      bytes = await this.deps.hub.verifiedBytes(artifact, signal, progress);
    } finally {
      state.setDownload(null);
    }
    await this.keep(artifact.sha256, bytes);
    this.fetchedNow.add(artifact.sha256);
    this.justFetched = { sha256: artifact.sha256, bytes };
  }

  private async keep(sha256: string, bytes: Uint8Array): Promise<void> {
    try {
      await this.deps.cache.write(sha256, bytes);
    } catch (error) {
      this.deps.logger.warn('model kept in memory only', { message: error instanceof Error ? error.message : String(error) });
      this.inMemory.set(sha256, bytes);
    }
  }

  /** The release's model bytes, verified now (whatever held them). */
  private async verifiedBytes(release: ReleaseManifest): Promise<{ bytes: Uint8Array; source: Verification['source'] }> {
    const { artifact } = release;
    const source = this.fetchedNow.has(artifact.sha256) ? 'network' : 'cache';
    const fresh = this.justFetched;
    this.justFetched = null;
    if (fresh?.sha256 === artifact.sha256) return { bytes: fresh.bytes, source };
    const held = this.inMemory.get(artifact.sha256);
    if (held) return { bytes: held, source };
    const read = await this.deps.cache.read(artifact);
    if (read.kind === 'hit') return { bytes: read.bytes, source };
    if (read.kind === 'damaged') {
      // Deleted by the cache: the next attempt downloads the bytes again.
      throw new WebRuntimeError('E_HASH_MISMATCH', `${release.model}@${release.version}: the cached model is ${read.size} bytes with SHA-256 ${read.sha256.slice(0, 12)}..., not the signed ${artifact.sha256.slice(0, 12)}...; deleted`, { transient: true });
    }
    throw new WebRuntimeError('E_DOWNLOAD_FAILED', `${release.model}@${release.version}: model ${artifact.sha256.slice(0, 12)} is not cached`, { transient: true });
  }

  /** The release's probe: inline, or a blob by hash (cached like models, verified on every read). */
  async probeOf(release: ReleaseManifest): Promise<Probe> {
    const { probe } = release;
    if (!isProbeRef(probe)) return probe;
    const context = `${release.model}@${release.version}: probe blob ${probe.sha256.slice(0, 12)}`;
    let bytes: Uint8Array;
    const read = await this.deps.cache.read(probe);
    if (read.kind === 'hit') bytes = read.bytes;
    else {
      bytes = await this.deps.hub.verifiedBytes(probe, AbortSignal.timeout(60_000));
      await this.keep(probe.sha256, bytes);
    }
    try {
      return await openProbeBlob(probe, bytes);
    } catch (error) {
      if (error instanceof ProtocolError) throw new WebRuntimeError('E_PROBE_FAILED', `${context}: ${error.message}`, { cause: error });
      throw toWebError(error, 'E_PROBE_FAILED', context);
    }
  }

  private keyidsOf(release: ReleaseManifest): string[] {
    const { persisted } = this.deps.state;
    const held = [persisted.desired?.release, persisted.desired?.shadow, persisted.active, persisted.previous].find((r) => r && sameRelease(r.manifest, release));
    return held ? held.envelope.signatures.map((s) => s.keyid) : [];
  }

  verification(release: ReleaseManifest, source: Verification['source']): Verification {
    return { keyids: this.keyidsOf(release), sha256: release.artifact.sha256, size: release.artifact.size, source, probed: false };
  }

  private requireCandidate(release: ReleaseManifest): Installed {
    const candidate = this.deps.state.candidate;
    if (!candidate || !sameRelease(candidate.model.release, release)) throw new WebRuntimeError('E_LOAD_FAILED', `no loaded candidate for ${release.model}@${release.version}`, { transient: true });
    return candidate;
  }

  private requireServing(release: ReleaseManifest): Installed {
    const serving = this.deps.state.serving;
    if (!serving || serving.model.release.artifact.sha256 !== release.artifact.sha256) throw new WebRuntimeError('E_LOAD_FAILED', `no serving session with the bytes of ${release.model}@${release.version}`, { transient: true });
    return serving;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
