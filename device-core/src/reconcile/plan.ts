/**
 * The planner: desired x observed -> the typed steps that close the gap (balena-supervisor's
 * "steps as data"). Pure and re-run after every step, so whatever happened in between (a new
 * doc, a crash, a deleted file) is simply observed again.
 *
 * Shadow mode (ROLLOUTS "Shadow"): the doc's shadow candidate gets its own steps, which never
 * touch what serves: a shadow the doc no longer names is unloaded first (its session's memory is
 * free before anything else loads); a wanted one is downloaded, loaded and probed only once the
 * active release is converged, so it can never delay or disturb an install; a shadow given up on
 * for this doc waits for a newer doc, like a failed install.
 *
 * Same bytes, other release (issue 11, item 11): a release is model, version and artifact hash.
 * A target whose artifact is the serving one's (a re-upload with a reference dataset, a
 * re-quantized twin, a relabel) is still installed, probed and activated as itself, so that it
 * is reported, counted and named in prediction ids as what it is; but its session is the serving
 * one, shared (`share-serving`), not downloaded or loaded again. A shadow with the serving bytes
 * shares that session too (`share-serving-shadow`).
 */
import { isProbeRef, type ModelRef, type ReleaseManifest } from '@edgefleet/protocol';
import { refOf, sameRelease } from '../state/device-state';

export interface ObservedCandidate {
  /** the release loaded in the second (blue-green) session */
  release: ReleaseManifest;
  probed: boolean;
}

export interface Observed {
  /** the release whose session answers predictions, if any */
  serving: ReleaseManifest | null;
  candidate: ObservedCandidate | null;
  /** the shadow session beside the serving one (absent: none) */
  shadow?: ObservedCandidate | null;
  /** the shadow given up on, for the doc (seq) that named it */
  shadowFailed?: { seq: number; sha256: string } | null;
  /** sha256 of every hash-named model file and probe blob in models/ */
  cached: ReadonlySet<string>;
  /** hashes that must stay on disk besides the serving one (the previous release, for instant rollback) */
  retained: readonly string[];
  /** the seq for which `install-started` was already announced */
  announcedSeq: number | null;
  /** the seq whose install was given up on */
  failedSeq: number | null;
}

export interface DesiredView {
  seq: number;
  release: ReleaseManifest;
  downgrade: boolean;
  /** the verified shadow candidate of the doc (absent: none) */
  shadow?: ReleaseManifest | null;
}

export type Step =
  | { kind: 'announce'; seq: number; target: ModelRef }
  | { kind: 'discard-candidate'; reason: string }
  | { kind: 'download'; seq: number; release: ReleaseManifest }
  | { kind: 'load'; seq: number; release: ReleaseManifest }
  /** the candidate is the serving session under `release` (the same artifact): nothing read or loaded */
  | { kind: 'share-serving'; seq: number; release: ReleaseManifest }
  | { kind: 'probe'; seq: number; release: ReleaseManifest }
  | { kind: 'activate'; seq: number; release: ReleaseManifest; downgrade: boolean }
  | { kind: 'collect-garbage'; keep: string[] }
  | { kind: 'unload-shadow'; reason: string }
  | { kind: 'download-shadow'; seq: number; release: ReleaseManifest }
  | { kind: 'load-shadow'; seq: number; release: ReleaseManifest }
  | { kind: 'share-serving-shadow'; seq: number; release: ReleaseManifest }
  | { kind: 'probe-shadow'; seq: number; release: ReleaseManifest };

export type StepKind = Step['kind'];
export type ShadowInstallStep = Extract<Step, { kind: 'download-shadow' | 'load-shadow' | 'share-serving-shadow' | 'probe-shadow' }>;

const SHADOW_INSTALL_KINDS: ReadonlySet<StepKind> = new Set(['download-shadow', 'load-shadow', 'share-serving-shadow', 'probe-shadow']);
/**
 * Shadow installs fail without failing the install of what serves: the agent drops the shadow
 * and reports it. (unload-shadow has no seq: like garbage collection it is housekeeping.)
 */
export const isShadowInstallStep = (step: Step): step is ShadowInstallStep => SHADOW_INSTALL_KINDS.has(step.kind);

export function plan(current: Observed, desired: DesiredView | null): Step[] {
  const wantedShadow = desired?.shadow ?? null;
  const loadedShadow = current.shadow ?? null;
  if (loadedShadow && (wantedShadow === null || !sameRelease(loadedShadow.release, wantedShadow))) {
    return [{ kind: 'unload-shadow', reason: wantedShadow ? 'the doc names another shadow' : 'the doc names no shadow' }];
  }
  if (desired === null) return collectGarbage(current, []);
  const target = desired.release;
  if (current.serving !== null && sameRelease(current.serving, target)) {
    // Converged. A candidate left over from a superseded install is released first.
    if (current.candidate) return [{ kind: 'discard-candidate', reason: 'already serving the desired release' }];
    const shadowSteps = planShadow(current, desired);
    if (shadowSteps.length > 0) return shadowSteps;
    return collectGarbage(current, [...cachedFilesOf(target), ...(wantedShadow && !shadowGivenUp(current, desired) ? cachedFilesOf(wantedShadow) : [])]);
  }
  // PROTOCOL: a bad model is reported once; the agent waits for a newer doc instead of looping.
  if (current.failedSeq === desired.seq) return current.candidate ? [{ kind: 'discard-candidate', reason: 'install given up' }] : [];

  const steps: Step[] = [];
  if (current.announcedSeq !== desired.seq) steps.push({ kind: 'announce', seq: desired.seq, target: refOf(target) });
  const candidate = current.candidate !== null && sameRelease(current.candidate.release, target) ? current.candidate : null;
  if (current.candidate !== null && candidate === null) steps.push({ kind: 'discard-candidate', reason: 'desired release changed' });
  if (candidate === null) {
    if (current.serving !== null && sameArtifact(current.serving, target)) {
      steps.push({ kind: 'share-serving', seq: desired.seq, release: target });
    } else {
      // A file already in models/ (e.g. the previous release) makes a rollback instant: no download.
      if (!current.cached.has(target.artifact.sha256)) steps.push({ kind: 'download', seq: desired.seq, release: target });
      steps.push({ kind: 'load', seq: desired.seq, release: target });
    }
  }
  if (candidate === null || !candidate.probed) steps.push({ kind: 'probe', seq: desired.seq, release: target });
  steps.push({ kind: 'activate', seq: desired.seq, release: target, downgrade: desired.downgrade });
  return steps;
}

const shadowGivenUp = (current: Observed, desired: DesiredView): boolean =>
  current.shadowFailed?.seq === desired.seq && current.shadowFailed.sha256 === desired.shadow?.artifact.sha256;

/** The wanted shadow's install, once the active release serves; what is loaded already is kept. */
function planShadow(current: Observed, desired: DesiredView): Step[] {
  const want = desired.shadow;
  if (!want || shadowGivenUp(current, desired)) return [];
  const loaded = current.shadow ?? null; // another release was unloaded at the top of plan()
  if (loaded?.probed) return [];
  const steps: Step[] = [];
  // plan() calls this only once the desired release serves.
  if (!loaded && current.serving !== null && sameArtifact(current.serving, want)) steps.push({ kind: 'share-serving-shadow', seq: desired.seq, release: want });
  else if (!loaded) {
    if (!current.cached.has(want.artifact.sha256)) steps.push({ kind: 'download-shadow', seq: desired.seq, release: want });
    steps.push({ kind: 'load-shadow', seq: desired.seq, release: want });
  }
  steps.push({ kind: 'probe-shadow', seq: desired.seq, release: want });
  return steps;
}

/** The same bytes (hash and size), whatever release names them: one loaded session serves both. */
const sameArtifact = (a: ReleaseManifest, b: ReleaseManifest): boolean => a.artifact.sha256 === b.artifact.sha256 && a.artifact.size === b.artifact.size;

/** The hashes of the files a release keeps in the cache: its model and, when out of line, its probe blob. */
export const cachedFilesOf = (release: ReleaseManifest): string[] => (isProbeRef(release.probe) ? [release.artifact.sha256, release.probe.sha256] : [release.artifact.sha256]);

/** Only when nothing else is to be done: delete model files nobody may need again. */
function collectGarbage(current: Observed, extraKeep: readonly string[]): Step[] {
  const keep = new Set<string>([...current.retained, ...extraKeep]);
  for (const release of [current.serving, current.candidate?.release, current.shadow?.release]) if (release) for (const sha of cachedFilesOf(release)) keep.add(sha);
  const stale = [...current.cached].filter((sha) => !keep.has(sha));
  return stale.length === 0 ? [] : [{ kind: 'collect-garbage', keep: [...keep].sort() }];
}
