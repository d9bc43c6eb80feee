import { describe, expect, it } from 'vitest';
import { LoadedModel } from '../../src/adapters/runtime';
import { AgentError } from '../../src/errors';
import { runDirect, sileroInputs, sileroRelease } from '../support/silero';

const codeOf = (error: unknown) => (error instanceof AgentError ? error.code : String(error));

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
    await expect(model.probe(manifest.probe)).resolves.toBeUndefined();
    await model.retire();
  });

  it('fails a probe with a wrong expected value: E_PROBE_FAILED', async () => {
    const { bytes, manifest } = await sileroRelease();
    const expected = manifest.probe.expected.output!;
    const wrong = { ...manifest.probe, expected: { output: { ...expected, data: [Number(expected.data[0]) + 0.5] } } };
    const model = await LoadedModel.load(bytes, manifest);
    const error = await model.probe(wrong).catch((e: unknown) => e);
    expect(codeOf(error)).toBe('E_PROBE_FAILED');
    expect(String((error as Error).message)).toContain('output[0]');
    await model.retire();
  });

  it('fails a probe whose inputs do not fit the model: E_PROBE_FAILED', async () => {
    const { bytes, manifest } = await sileroRelease();
    const model = await LoadedModel.load(bytes, manifest);
    const broken = { ...manifest.probe, inputs: { ...manifest.probe.inputs, sr: { type: 'float32' as const, dims: [], data: [16000] } } };
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
});
