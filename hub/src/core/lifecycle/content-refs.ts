/**
 * What a version's signed manifest needs besides its model file (issue 15): the datasets its
 * lineage names (trained on: `lineage.dataset`; the reference of an import, which quantized
 * children inherit: `lineage.params.referenceDataset`), the sample inputs it was uploaded with
 * (`lineage.params.samples`, which quantization calibrates on) and its probe blob. Deleting any of
 * them is refused while a version not deleted names it. Pure: the caller reads the manifests.
 */
import { isProbeRef, type ReleaseManifest } from '@edgefleet/protocol';

export interface ContentRefs {
  datasets: string[];
  samples: string | null;
  probeBlob: string | null;
}

const stringParam = (params: Record<string, unknown> | undefined, key: string): string | null => {
  const value = params?.[key];
  return typeof value === 'string' ? value : null;
};

export function contentRefsOf(manifest: Pick<ReleaseManifest, 'lineage' | 'probe'>): ContentRefs {
  const { lineage } = manifest;
  const datasets = [lineage.dataset ?? null, stringParam(lineage.params, 'referenceDataset')].filter((id): id is string => id !== null);
  return { datasets: [...new Set(datasets)], samples: stringParam(lineage.params, 'samples'), probeBlob: isProbeRef(manifest.probe) ? manifest.probe.sha256 : null };
}

/** `model@version`, as lineage parents and refusals name versions. */
export const versionKey = (v: { model: string; version: string }): string => `${v.model}@${v.version}`;

/** `model@version` -> its parts (neither a model name nor a version label holds "@"). */
export function splitVersionKey(key: string): { model: string; version: string } {
  const at = key.lastIndexOf('@');
  return { model: key.slice(0, at), version: key.slice(at + 1) };
}

/**
 * The version (`model@version`) a derived training run reads, from the run's stored spec: a pruned
 * run's parent or a distilled run's teacher; null for any other run.
 */
export function derivedRunSource(spec: unknown): string | null {
  if (typeof spec !== 'object' || spec === null || !('derive' in spec)) return null;
  const derive: unknown = spec.derive;
  if (typeof derive !== 'object' || derive === null || !('kind' in derive)) return null;
  const source = derive.kind === 'prune' && 'parent' in derive ? derive.parent : derive.kind === 'distill' && 'teacher' in derive ? derive.teacher : null;
  return typeof source === 'string' ? source : null;
}
