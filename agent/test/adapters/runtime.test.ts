import { inlineProbe } from '@edgefleet/protocol';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, attr, encodeModel } from '../../../hub/src/core/onnx';
import { makeRelease } from '../../../test/fixtures/signing';
import { LoadedModel } from '../../src/adapters/runtime';
import type { TypedTensor } from '@edgefleet/device-core';
import { AgentError } from '../../src/errors';
import { runDirect, sileroInputs, sileroRelease } from '../support/silero';

const codeOf = (error: unknown) => (error instanceof AgentError ? error.code : String(error));
const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('LoadedModel with the real Silero VAD v5', () => {
  it('runs JSON tensors (int64 scalar included) and returns the same numbers as onnxruntime', async () => {
    const { bytes, manifest } = await sileroRelease();
    const model = await LoadedModel.load(bytes, manifest);
    const inputs = sileroInputs(2);
    const outputs = await model.run(inputs);
    const direct = await runDirect(bytes, inputs);
    expect(outputs.output).toEqual(direct.output);
    expect(outputs.stateN?.dims).toEqual([2, 1, 128]);
    expect(outputs.stateN?.data).toEqual(direct.stateN?.data);
    await model.retire();
  });

  it('passes a correct probe', async () => {
    const { bytes, manifest } = await sileroRelease();
    const model = await LoadedModel.load(bytes, manifest);
    await expect(model.probe(inlineProbe(manifest.probe, 'probe'))).resolves.toBeUndefined();
    await model.retire();
  });

  it('fails a probe with a wrong expected value: E_PROBE_FAILED', async () => {
    const { bytes, manifest } = await sileroRelease();
    const expected = inlineProbe(manifest.probe, 'probe').expected.output!;
    const wrong = { ...inlineProbe(manifest.probe, 'probe'), expected: { output: { ...expected, data: [Number(expected.data[0]) + 0.5] } } };
    const model = await LoadedModel.load(bytes, manifest);
    const error = await model.probe(wrong).catch((e: unknown) => e);
    expect(codeOf(error)).toBe('E_PROBE_FAILED');
    expect(String((error as Error).message)).toContain('output[0]');
    await model.retire();
  });

  it('fails a probe whose inputs do not fit the model: E_PROBE_FAILED', async () => {
    const { bytes, manifest } = await sileroRelease();
    const model = await LoadedModel.load(bytes, manifest);
    const broken = { ...inlineProbe(manifest.probe, 'probe'), inputs: { ...inlineProbe(manifest.probe, 'probe').inputs, sr: { type: 'float32' as const, dims: [], data: [16000] } } };
    expect(codeOf(await model.probe(broken).catch((e: unknown) => e))).toBe('E_PROBE_FAILED');
    await model.retire();
  });

  it('refuses a file that is not ONNX: E_LOAD_FAILED', async () => {
    const { manifest } = await sileroRelease();
    const error = await LoadedModel.load(new TextEncoder().encode('definitely not a protobuf model'), manifest).catch((e: unknown) => e);
    expect(codeOf(error)).toBe('E_LOAD_FAILED');
  });

  it('retire waits for a running prediction and refuses new ones', async () => {
    const { bytes, manifest } = await sileroRelease();
    const model = await LoadedModel.load(bytes, manifest);
    const running = model.run(sileroInputs(3));
    const retired = model.retire();
    await expect(running).resolves.toHaveProperty('output');
    await retired;
    expect(codeOf(await model.run(sileroInputs(3)).catch((e: unknown) => e))).toBe('E_INFERENCE');
  });

  // Issue 11 item 11: a new version of the same bytes needs no second session (memory, load time).
  it('shares its session with a release of the same bytes: each answers as itself, one retiring leaves the other running', async () => {
    const { bytes, manifest } = await sileroRelease();
    const v1 = await LoadedModel.load(bytes, manifest);
    const v2 = v1.share({ ...manifest, version: '2', releaseCounter: 2 });
    expect(v2.release.version).toBe('2');
    await expect(v2.probe(inlineProbe(manifest.probe, 'probe'))).resolves.toBeUndefined();
    const inputs = sileroInputs(4);
    const running = v1.run(inputs);
    await v1.retire(); // waits for v1's own prediction, and must not free the session v2 still uses
    await expect(running).resolves.toHaveProperty('output');
    expect(codeOf(await v1.run(inputs).catch((e: unknown) => e))).toBe('E_INFERENCE');
    expect((await v2.run(inputs)).output).toEqual((await runDirect(bytes, inputs)).output);
    expect(codeOf(thrown(() => v1.share(manifest)))).toBe('E_LOAD_FAILED'); // a retired view lends nothing
    await v2.retire();
    expect(codeOf(await v2.run(inputs).catch((e: unknown) => e))).toBe('E_INFERENCE');
  });

  it('refuses to share its session with a release of other bytes: E_LOAD_FAILED naming artifact.sha256', async () => {
    const { bytes, manifest } = await sileroRelease();
    const model = await LoadedModel.load(bytes, manifest);
    const other = { ...manifest, version: '2', artifact: { ...manifest.artifact, sha256: 'f'.repeat(64) } };
    const error = thrown(() => model.share(other));
    expect(codeOf(error)).toBe('E_LOAD_FAILED');
    expect(String((error as Error).message)).toContain('artifact.sha256');
    await model.retire();
  });

  it('runs typed arrays without JSON and returns onnxruntime\'s own arrays, the numbers run() gives', async () => {
    const { bytes, manifest } = await sileroRelease();
    const model = await LoadedModel.load(bytes, manifest);
    const json = sileroInputs(5);
    const typed: Record<string, TypedTensor> = {
      input: { type: 'float32', dims: [1, 512], data: Float32Array.from(json.input?.data ?? [], Number) },
      state: { type: 'float32', dims: [2, 1, 128], data: new Float32Array(256) },
      sr: { type: 'int64', dims: [], data: BigInt64Array.from([16000n]) },
    };
    const outputs = await model.runTyped(typed);
    const viaJson = await model.run(json);
    expect(outputs.output?.data).toBeInstanceOf(Float32Array);
    expect(outputs.output?.dims).toEqual([1, 1]);
    expect(Array.from(outputs.output?.data ?? [], Number)).toEqual(viaJson.output?.data);
    expect(Array.from(outputs.stateN?.data ?? [], Number)).toEqual(viaJson.stateN?.data);
    await model.retire();
    expect(codeOf(await model.runTyped(typed).catch((e: unknown) => e))).toBe('E_INFERENCE');
  });
});

describe('LoadedModel.runTyped on bool and int64 outputs', () => {
  it('gives bools as a Uint8Array of 0 and 1 and int64 as a BigInt64Array, as JSON gives true/false and numbers', async () => {
    const g = new GraphBuilder('signs');
    const x = g.input('x', 'float32', ['N', 2]);
    g.node('Greater', [x, g.initializer('zero', { type: 'float32', data: Float32Array.from([0]) }, [])], ['positive']);
    g.node('Cast', [x], ['rounded'], { to: attr.int(7) });
    g.output('positive', 'bool', ['N', 2]);
    g.output('rounded', 'int64', ['N', 2]);
    const release = makeRelease({
      io: { inputs: [{ name: 'x', type: 'float32', shape: ['N', 2] }], outputs: [{ name: 'positive', type: 'bool', shape: ['N', 2] }, { name: 'rounded', type: 'int64', shape: ['N', 2] }] },
    });
    const model = await LoadedModel.load(encodeModel(g.build()), release);
    const outputs = await model.runTyped({ x: { type: 'float32', dims: [2, 2], data: Float32Array.from([1.5, -2, 0, 7.9]) } });
    expect(outputs.positive).toEqual({ type: 'bool', dims: [2, 2], data: Uint8Array.from([1, 0, 0, 1]) });
    expect(outputs.rounded).toEqual({ type: 'int64', dims: [2, 2], data: BigInt64Array.from([1n, -2n, 0n, 7n]) });
    const viaJson = await model.run({ x: { type: 'float32', dims: [2, 2], data: [1.5, -2, 0, 7.9] } });
    expect(viaJson.positive?.data).toEqual([true, false, false, true]);
    expect(viaJson.rounded?.data).toEqual([1, -2, 0, 7]);
    await model.retire();
  });
});
