/** Builds the release manifest of a new version (PROTOCOL "Release manifest"). */
import { envelopeSchema, fromBase64, parseJsonBytes, parseWith, probeSchema, releaseManifestSchema, type IoSpec, type Probe, type ReferenceProfile, type ReleaseManifest, type ReleaseProbe } from '@edgefleet/protocol';

export interface ReleaseInput {
  model: string;
  /** operator label; defaults to the release counter */
  version: string | undefined;
  /** the highest counter already released for this model, 0 for none */
  previousCounter: number;
  sha256: string;
  size: number;
  publicUrl: string;
  io: { inputs: IoSpec[]; outputs: IoSpec[] };
  opset: number | undefined;
  /** inline, or the reference to the stored probe blob (core/probe-blob.ts) */
  probe: ReleaseProbe;
  now: Date;
  /** default 'none' */
  quantization?: ReleaseManifest['quantization'];
  /** drift reference; null for uploads without sample data */
  reference?: ReferenceProfile | null;
  /** default { source: 'upload' } */
  lineage?: ReleaseManifest['lineage'];
}

export const PROBE_TOLERANCE = { abs: 1e-4, rel: 1e-3 } as const;

export function nextReleaseCounter(previousCounter: number): number {
  return previousCounter + 1;
}

export function buildReleaseManifest(input: ReleaseInput): ReleaseManifest {
  const releaseCounter = nextReleaseCounter(input.previousCounter);
  const manifest: ReleaseManifest = {
    type: 'release',
    v: 1,
    model: input.model,
    version: input.version ?? String(releaseCounter),
    releaseCounter,
    artifact: { sha256: input.sha256, size: input.size, url: `${input.publicUrl.replace(/\/+$/, '')}/artifacts/${input.sha256}` },
    format: 'onnx',
    quantization: input.quantization ?? 'none',
    io: input.io,
    compat: input.opset === undefined ? {} : { opset: input.opset },
    reference: input.reference ?? null,
    probe: input.probe,
    lineage: input.lineage ?? { source: 'upload' },
    createdAt: input.now.toISOString(),
  };
  // Never sign something the agents' schema would refuse.
  return parseWith(releaseManifestSchema, manifest, 'release manifest');
}

/**
 * A manifest as stored with its version (the signed envelope, exactly as signed), decoded. The
 * hub signed it itself, so no signature check; the schema check guards against a damaged row.
 */
export function decodeStoredManifest(envelope: unknown): ReleaseManifest {
  const { payload } = parseWith(envelopeSchema, envelope, 'stored manifest');
  const bytes = fromBase64(payload);
  if (!bytes) throw new Error('stored manifest payload is not base64');
  return parseWith(releaseManifestSchema, parseJsonBytes(bytes, 'stored manifest'), 'stored manifest');
}

/**
 * A stored manifest with its whole probe: what the hub itself works with (quantization reuses
 * the source's probe inputs). A referenced probe is the version row's `probe` column, which
 * always holds the whole probe, inline or not.
 */
export type HubManifest = Omit<ReleaseManifest, 'probe'> & { probe: Probe };

export function withStoredProbe(manifest: ReleaseManifest, storedProbe: unknown): HubManifest {
  return { ...manifest, probe: parseWith(probeSchema, storedProbe, `stored probe of ${manifest.model}@${manifest.version}`) };
}
