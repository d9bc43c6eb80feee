import { z } from 'zod';
import { referenceProfileSchema } from './reference';
import { isoTimeSchema, modelNameSchema, sha256Schema, tensorJsonSchema, tensorTypeSchema, versionLabelSchema } from './common';

/** One input or output of a model as recorded at upload: a dim is a number or a symbolic name. */
export const ioSpecSchema = z.strictObject({
  name: z.string().min(1).max(256),
  type: tensorTypeSchema,
  shape: z.array(z.union([z.number().int().min(0), z.string().max(64)])).max(8),
});
export type IoSpec = z.infer<typeof ioSpecSchema>;

export const probeSchema = z.strictObject({
  inputs: z.record(z.string(), tensorJsonSchema),
  expected: z.record(z.string(), tensorJsonSchema),
  tolerance: z.strictObject({ abs: z.number().min(0), rel: z.number().min(0) }),
});
export type Probe = z.infer<typeof probeSchema>;


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
  quantization: z.enum(['none', 'int8-dynamic', 'int8-static']),
  io: z.strictObject({ inputs: z.array(ioSpecSchema).min(1), outputs: z.array(ioSpecSchema).min(1) }),
  compat: z.strictObject({
    minRuntime: z.string().regex(/^\d+\.\d+(\.\d+)?$/).optional(),
    opset: z.number().int().min(1).optional(),
  }),
  reference: referenceProfileSchema.nullable(),
  probe: probeSchema,
  lineage: z.strictObject({
    dataset: sha256Schema.optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    metrics: z.record(z.string(), z.number()).optional(),
    parent: z.string().optional(),
    source: z.string().max(256).optional(),
  }),
  createdAt: isoTimeSchema,
});
export type ReleaseManifest = z.infer<typeof releaseManifestSchema>;
