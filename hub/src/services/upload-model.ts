/**
 * Upload of a model version: stream to a temp file (capped), prove onnxruntime can load it, run
 * a seeded probe, then sign and store its release manifest. Nothing is stored unless all pass.
 */
import { signPayload, type IoSpec, type Probe, type TensorJson } from '@edgefleet/protocol';
import { HubError, conflict } from '../core/errors';
import { buildProbeInputs, elementCount, type ProbeHints } from '../core/probe-inputs';
import { PROBE_TOLERANCE, buildReleaseManifest } from '../core/release-manifest';
import { writeAudit } from '../adapters/db/audit';
import { insertVersion, maxReleaseCounter, versionExists } from '../adapters/db/models';
import { ModelLoadError, loadModel, readOpset } from '../adapters/onnx-runtime';
import type { HubContext } from './context';

export interface UploadInput {
  model: string;
  version: string | undefined;
  probe: ProbeHints;
  body: ReadableStream<Uint8Array> | null;
  contentLength: number | undefined;
}

export interface UploadResult {
  model: string;
  version: string;
  sha256: string;
  size: number;
  releaseCounter: number;
  io: { inputs: IoSpec[]; outputs: IoSpec[] };
}

/** Expected outputs ride in the signed manifest over MQTT: keep them small. */
const MAX_PROBE_OUTPUT_ELEMENTS = 65_536;
const PROBE_HINT = 'pass ?probe={"<input>":{"dims":[...]}} with input dims the model accepts (and "data" for inputs that need exact values)';

export async function uploadModel(ctx: HubContext, input: UploadInput, actor: string): Promise<UploadResult> {
  const { model, version } = input;
  // Cheap refusals before reading a byte of the body.
  if (version !== undefined && versionExists(ctx.db, model, version)) throw conflict(`${model}@${version} already exists`);
  if (input.contentLength !== undefined && input.contentLength > ctx.maxModelBytes) {
    throw new HubError('E_TOO_LARGE', `model file of ${input.contentLength} bytes exceeds the limit of ${ctx.maxModelBytes} bytes`);
  }
  const staged = await ctx.artifacts.receive(input.body, ctx.maxModelBytes);
  try {
    const { io, probe, opset } = await inspect(staged.tmpPath, staged.size, staged.sha256, input.probe);
    await staged.commit();
    return await ctx.locks.models.run(model, async () => {
      const now = ctx.now();
      const manifest = buildReleaseManifest({
        model,
        version,
        previousCounter: maxReleaseCounter(ctx.db, model),
        sha256: staged.sha256,
        size: staged.size,
        publicUrl: ctx.urls.publicUrl,
        io,
        opset,
        probe,
        now,
      });
      // Checked again under the lock: a concurrent upload may have taken the label meanwhile.
      if (versionExists(ctx.db, model, manifest.version)) throw conflict(`${model}@${manifest.version} already exists`);
      const envelope = await signPayload(manifest, [ctx.keys.release]);
      ctx.db.transaction((tx) => {
        insertVersion(
          tx,
          {
            model,
            version: manifest.version,
            releaseCounter: manifest.releaseCounter,
            sha256: staged.sha256,
            size: staged.size,
            io,
            opset: opset ?? null,
            probe,
            manifest: envelope,
            createdAt: now.toISOString(),
          },
          now.toISOString(),
        );
        writeAudit(tx, {
          at: now,
          actor,
          action: 'model.version.uploaded',
          subject: `model:${model}`,
          details: { version: manifest.version, releaseCounter: manifest.releaseCounter, sha256: staged.sha256, size: staged.size },
        });
      });
      ctx.logger.info('model version uploaded', { model, version: manifest.version, releaseCounter: manifest.releaseCounter, sha256: staged.sha256 });
      return { model, version: manifest.version, sha256: staged.sha256, size: staged.size, releaseCounter: manifest.releaseCounter, io };
    });
  } finally {
    await staged.discard();
  }
}

async function inspect(path: string, size: number, sha256: string, hints: ProbeHints): Promise<{ io: UploadResult['io']; probe: Probe; opset: number | undefined }> {
  let loaded;
  try {
    loaded = await loadModel(path);
  } catch (error) {
    if (error instanceof ModelLoadError) throw new HubError('E_INVALID_MODEL', `not a loadable ONNX model: ${error.message}`, { cause: error });
    throw error;
  }
  try {
    const inputs = buildProbeInputs(loaded.io.inputs, hints, sha256);
    let expected: Record<string, TensorJson>;
    try {
      expected = await loaded.run(inputs);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new HubError('E_PROBE_FAILED', `probe run failed: ${message}; ${PROBE_HINT}`, { cause: error });
    }
    const outputElements = Object.values(expected).reduce((n, tensor) => n + elementCount(tensor.dims), 0);
    if (outputElements > MAX_PROBE_OUTPUT_ELEMENTS) {
      throw new HubError('E_PROBE_FAILED', `probe outputs hold ${outputElements} elements (limit ${MAX_PROBE_OUTPUT_ELEMENTS}); ${PROBE_HINT}`);
    }
    const opset = await readOpset(path, size);
    return { io: loaded.io, probe: { inputs, expected, tolerance: { ...PROBE_TOLERANCE } }, opset };
  } finally {
    await loaded.release();
  }
}
