/**
 * A model whose output size is computed at run time (ConstantOfShape of a shape input) can answer
 * with gigabytes under the sandbox child's memory limit. The child refuses to send outputs over
 * the run's limit (the probe's element cap, the sandbox's default byte budget): 422
 * E_MODEL_RESOURCES naming the output and its size, the hub never holds them, nothing is stored,
 * and the child serves the next run.
 */
import { describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hub } from '../src/index';
import { GraphBuilder, attr, encodeModel, makeTensor } from '../src/core/onnx';
import { MAX_PROBE_OUTPUT_ELEMENTS } from '../src/core/probe-inputs';
import { HubError } from '../src/core/errors';
import { DEFAULT_MAX_OUTPUT, openSandboxed } from '../src/adapters/model-sandbox/sandbox';
import { api, useTestHub, type TempDir } from './support';

interface ErrorReply {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** `y` float32 [n[0]] of ones, and `small` float32 [1]: how much `y` holds is the input's to say. */
function runtimeSizedModel(): Uint8Array {
  const g = new GraphBuilder('runtime_sized');
  const n = g.input('n', 'int64', [1]);
  g.node('ConstantOfShape', [n], ['y'], { value: attr.tensor(makeTensor('value', { type: 'float32', data: Float32Array.from([1]) }, [1])) });
  g.output('y', 'float32', ['count']);
  g.node('Cast', [n], ['small'], { to: attr.int(1) });
  g.output('small', 'float32', [1]);
  return encodeModel(g.build());
}

const probeOf = (n: number): string => encodeURIComponent(JSON.stringify({ n: { dims: [1], data: [n] } }));

describe('outputs computed at run time', () => {
  let dir: TempDir;
  let hub: Hub;
  useTestHub((started) => ({ hub, dir } = started));

  it('a probe output over the probe limit is refused in the sandbox: 422 E_MODEL_RESOURCES naming it, nothing stored, the hub serves on', async () => {
    const elements = 8_000_000;
    const artifactsBefore = await readdir(join(dir.path, 'artifacts'));
    const reply = await api<ErrorReply>(hub, 'POST', `/api/v1/models/sized/versions?probe=${probeOf(elements)}`, { bytes: runtimeSizedModel() });
    expect(reply.status).toBe(422);
    expect(reply.body.error.code).toBe('E_MODEL_RESOURCES');
    expect(reply.body.error.message).toContain(`output 'y' holds ${elements} elements (${elements * 4} bytes, float32 [${elements}]) at run time`);
    expect(reply.body.error.message).toContain(`${MAX_PROBE_OUTPUT_ELEMENTS} elements in all`);
    expect(reply.body.error.details).toMatchObject({ stage: 'output', output: 'y', elements, bytes: elements * 4, limit: { elements: MAX_PROBE_OUTPUT_ELEMENTS } });
    expect((await api(hub, 'GET', '/api/v1/models/sized/versions/1')).status).toBe(404);
    expect(await readdir(join(dir.path, 'artifacts'))).toEqual(artifactsBefore);
    expect(await readdir(join(dir.path, 'tmp'))).toEqual([]);

    const small = await api<{ version: string }>(hub, 'POST', `/api/v1/models/sized/versions?probe=${probeOf(16)}`, { bytes: runtimeSizedModel() });
    expect(small.status).toBe(201);
  });
});

describe('the sandbox output limit', () => {
  it("refuses a run over the default byte budget or the caller's, and the child runs on", { timeout: 60_000 }, async () => {
    const session = await openSandboxed({ bytes: runtimeSizedModel() }, {});
    try {
      const n = (count: number) => ({ n: { type: 'int64', dims: [1], data: BigInt64Array.from([BigInt(count)]) } });
      const bytes = DEFAULT_MAX_OUTPUT.bytes ?? 0;
      const over = bytes / 4 + 1;
      const refusal = await session.run(n(over)).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(HubError);
      expect(refusal).toMatchObject({ code: 'E_MODEL_RESOURCES', details: { stage: 'output', output: 'y', elements: over, bytes: over * 4, limit: { bytes } } });

      // Only the fetched output counts; a caller's own budget holds for it.
      await expect(session.run(n(300), { fetches: ['y'], maxOutput: { bytes: 1024 } })).rejects.toMatchObject({ code: 'E_MODEL_RESOURCES', details: { output: 'y', bytes: 1200 } });
      const fetched = await session.run(n(300), { fetches: ['small'], maxOutput: { bytes: 1024 } });
      expect(Object.keys(fetched)).toEqual(['small']);
      const fine = await session.run(n(3));
      expect([...(fine.y?.data as Float32Array)]).toEqual([1, 1, 1]);
    } finally {
      await session.release();
    }
  });
});
