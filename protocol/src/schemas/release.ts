import * as z from 'zod';
import { referenceProfileSchema } from './reference';
import { isoTimeSchema, modelNameSchema, sha256Schema, tensorJsonSchema, tensorTypeSchema, versionLabelSchema } from './common';

/** One input or output of a model as recorded at upload: a dim is a number or a symbolic name. */
export const ioSpecSchema = z.strictObject({
  name: z.string().min(1).max(256),
  type: tensorTypeSchema,
  shape: z.array(z.union([z.number().int().min(0), z.string().max(64)])).max(8),
});
export type IoSpec = z.infer<typeof ioSpecSchema>;

const probeToleranceSchema = z.strictObject({ abs: z.number().min(0), rel: z.number().min(0) });

/** Golden inputs with expected outputs, as a manifest carries them inline (or a probe blob resolves to). */
export const probeSchema = z.strictObject({
  inputs: z.record(z.string(), tensorJsonSchema),
  expected: z.record(z.string(), tensorJsonSchema),
  tolerance: probeToleranceSchema,
});
export type Probe = z.infer<typeof probeSchema>;

/** The most bytes a probe blob may declare (agents bound the download by the declared size). */
export const MAX_PROBE_BLOB_BYTES = 16 * 1024 * 1024;

/**
 * A large probe kept out of the manifest (issue 11 item 7): the SHA-256 and size of the probe
 * blob's exact bytes (JSON of `probeDataSchema`), served as a hash-addressed artifact to devices
 * a release names it for. The manifest's signature covers the blob through this hash. The
 * tolerance stays inline so that rules comparing releases (shadow agreement) need no blob.
 * Agents of before this form fail the manifest's schema (E_SCHEMA) and never run such a probe.
 */
export const probeRefSchema = z.strictObject({
  sha256: sha256Schema,
  size: z.number().int().min(1).max(MAX_PROBE_BLOB_BYTES),
  tolerance: probeToleranceSchema,
});
export type ProbeRef = z.infer<typeof probeRefSchema>;

/** The bytes a probe reference names: the probe without its tolerance. */
export const probeDataSchema = z.strictObject({
  inputs: z.record(z.string(), tensorJsonSchema),
  expected: z.record(z.string(), tensorJsonSchema),
});
export type ProbeData = z.infer<typeof probeDataSchema>;

/** A manifest's probe: inline (small, as before) or a reference to a probe blob. */
export const releaseProbeSchema = z.union([probeSchema, probeRefSchema]);
export type ReleaseProbe = z.infer<typeof releaseProbeSchema>;

export const isProbeRef = (probe: ReleaseProbe): probe is ProbeRef => 'sha256' in probe;


export const releaseManifestSchema = z.strictObject({
  type: z.literal('release'),
  v: z.literal(1),
  model: modelNameSchema,
  version: versionLabelSchema,
  /** PROTOCOL: strictly increasing per model; what downgrade protection compares. */
  releaseCounter: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER - 1),
  artifact: z.strictObject({
    sha256: sha256Schema,
    size: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    url: z.string().min(1).max(2048),
  }),
  format: z.literal('onnx'),
  /** int8-weight-only: int8 weights dequantized at load (third-party graphs the other modes cannot reach) */
  quantization: z.enum(['none', 'int8-dynamic', 'int8-static', 'int8-weight-only']),
  io: z.strictObject({ inputs: z.array(ioSpecSchema).min(1), outputs: z.array(ioSpecSchema).min(1) }),
  compat: z.strictObject({
    minRuntime: z.string().regex(/^\d+\.\d+(\.\d+)?$/).optional(),
    opset: z.number().int().min(1).optional(),
  }),
  reference: referenceProfileSchema.nullable(),
  /** inline, or `{ sha256, size, tolerance }` of a probe blob (probe-ref.ts) */
  probe: releaseProbeSchema,
  /** what produced this version, so it can be traced to its data, parameters and code */
  lineage: z.strictObject({
    dataset: sha256Schema.optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    metrics: z.record(z.string(), z.number()).optional(),
    /** the same metrics of the trivial baseline on the same split */
    baselineMetrics: z.record(z.string(), z.number()).optional(),
    /** `model@version` this one was derived from (quantized, retrained) */
    parent: z.string().optional(),
    /** 'upload', 'training-run:<id>', 'quantize:<mode>' */
    source: z.string().max(256).optional(),
    codeVersion: z.string().max(128).optional(),
  }),
  createdAt: isoTimeSchema,
});
export type ReleaseManifest = z.infer<typeof releaseManifestSchema>;
