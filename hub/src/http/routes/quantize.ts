/** Admin route: quantize a version to int8 behind a quality gate (services/quantize/quantize-version.ts). */
import type { Hono } from 'hono';
import { z } from 'zod';
import { versionLabelSchema } from '@edgefleet/protocol';
import type { HubContext } from '../../services/context';
import { quantizeVersion } from '../../services/quantize/quantize-version';
import { actorOf, type AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { versionParams } from '../schemas';
import { parseInput, readJsonBody } from '../validate';

export const quantizeBody = z
  .strictObject({
    mode: z.enum(['int8-dynamic', 'int8-static', 'int8-weight-only']).describe('dynamic: MatMul/Gemm (MLPs); static: QDQ with calibration (CNNs); weight-only: every large constant (any graph)'),
    perChannel: z.boolean().optional().describe('one weight scale per output channel; default false for dynamic, true otherwise'),
    calibration: z
      .strictObject({
        method: z.enum(['minmax', 'percentile']),
        percentile: z.number().gt(50).max(100).optional().describe('percentile method only; default 99.999'),
        samples: z.number().int().min(1).max(10_000).optional().describe('how many calibration batches to use; default all'),
      })
      .optional()
      .describe('static mode: how activation ranges are taken (default minmax)'),
    depthwise: z.enum(['float', 'int8']).optional().describe("static mode: depthwise Convs stay float (default: onnxruntime's int8 depthwise kernel is slower than its float one) or are quantized too"),
    activations: z
      .enum(['uint8', 'int8'])
      .optional()
      .describe("static mode: activation type; 'uint8' (default) with 8-bit weights, or 'int8' with 7-bit weights, which runs onnxruntime's faster u8s8 kernels on x86 CPUs without VNNI at half the weight precision"),
    accuracyFallback: z
      .boolean()
      .optional()
      .describe('static mode: when int8 misses the quality gate, measure which activations hurt the outputs most (on the calibration inputs), keep them float and try again, 1, 2, 4, ... up to a quarter of them; default true'),
    maxAccuracyLossPp: z.number().min(0).max(100).optional().describe('labelled (trained) versions: largest accuracy loss allowed in percentage points; default 1'),
    minAgreement: z.number().min(0).max(1).optional().describe('unlabelled versions: smallest fraction of rows whose int8 output agrees with fp32; default 0.99'),
    maxMetricLossPp: z.number().min(0).max(100).optional().describe("labelled data: largest loss of the primary metric (a trained run's own metric, macroF1 by default for classifiers; macroF1 for samples with labels) in percentage points, or percent of fp32 for error metrics (rmse, mae, logLoss); default 1"),
    version: versionLabelSchema.optional().describe('label of the new version; default its release counter'),
  })
  .refine((body) => body.calibration === undefined || body.mode === 'int8-static', { message: 'calibration applies to int8-static only', path: ['calibration'] })
  .refine((body) => body.depthwise === undefined || body.mode === 'int8-static', { message: 'depthwise applies to int8-static only', path: ['depthwise'] })
  .refine((body) => body.activations === undefined || body.mode === 'int8-static', { message: 'activations applies to int8-static only', path: ['activations'] })
  .refine((body) => body.accuracyFallback === undefined || body.mode === 'int8-static', { message: 'accuracyFallback applies to int8-static only', path: ['accuracyFallback'] });

const latency = z.object({ batch1: z.number(), batch64: z.number().optional(), batch1FoldedQdq: z.number().optional().describe('with session option disable_quant_qdq=1') });
const side = z.object({
  size: z.number().int(),
  accuracy: z.number().optional(),
  agreement: z.number().optional(),
  metrics: z.record(z.string(), z.number()).optional().describe('the primary metric and companions (macroF1, ...) on the same labelled rows'),
  latencyMs: latency,
});
export const quantizeResponse = z.object({
  model: z.string(),
  version: z.string(),
  sha256: z.string(),
  quantization: z.enum(['int8-dynamic', 'int8-static', 'int8-weight-only']),
  source: side.extend({ version: z.string() }),
  result: side.extend({
    sizeRatio: z.number(),
    maxAbsDiff: z.record(z.string(), z.number().nullable()),
    agreementRule: z.enum(['argmax', 'tolerance']),
    evaluatedOn: z.string(),
    evaluationData: z.enum(['test-split', 'samples', 'dataset', 'synthetic']).describe('what fp32 and int8 were compared on; synthetic: seeded probe-shaped inputs, not real data'),
  }),
  warnings: z.array(z.string()).describe('what makes the numbers less trustworthy, e.g. synthetic inputs'),
  report: z.record(z.string(), z.unknown()).describe('what the quantizer did: nodes, tensors, scales, skipped items with reasons'),
});

export const quantizeSpecs: RouteSpec[] = [
  {
    method: 'post',
    path: '/api/v1/models/{model}/versions/{version}/quantize',
    summary: 'Quantize a version to int8 as a new signed version, refused (422 E_QUALITY_GATE) when it loses more accuracy, primary metric or agreement than allowed; int8-static without real inputs is refused (422 E_NOT_QUANTIZABLE)',
    auth: 'admin',
    scope: 'operator',
    params: versionParams,
    body: quantizeBody,
    responses: { 201: { description: 'the new version with its size, accuracy or agreement and latency next to the source', schema: quantizeResponse } },
  },
];

export function registerQuantize(app: Hono<AppEnv>, ctx: HubContext): void {
  app.post('/api/v1/models/:model/versions/:version/quantize', async (c) => {
    const { model, version } = parseInput(versionParams, c.req.param());
    const body = parseInput(quantizeBody, await readJsonBody(c));
    const { version: label, ...settings } = body;
    const outcome = await quantizeVersion(ctx, { model, version, ...settings, ...(label === undefined ? {} : { label }) }, actorOf(c.get('principal')));
    return c.json(outcome, 201);
  });
}
