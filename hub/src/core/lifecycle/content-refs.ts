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
