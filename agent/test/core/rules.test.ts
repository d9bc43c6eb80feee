import { describe, expect, it } from 'vitest';
import type { IoSpec, TensorJson } from '@edgefleet/protocol';
import { parsePredictInputs } from '../../src/core/predict-request';
import { AgentError } from '../../src/errors';

const t = (data: number[], dims = [data.length]): TensorJson => ({ type: 'float32', dims, data });

describe('parsePredictInputs', () => {
  const specs: IoSpec[] = [
    { name: 'input', type: 'float32', shape: ['', 512] },
    { name: 'sr', type: 'int64', shape: [] },
  ];
  const good = { input: t(new Array(512).fill(0), [1, 512]), sr: { type: 'int64', dims: [], data: [16000] } };
  const codeAndMessage = (body: unknown) => {
    try {
      parsePredictInputs(body, specs);
      return null;
    } catch (error) {
      return error instanceof AgentError ? `${error.code} ${error.message}` : String(error);
    }
  };

  it('accepts inputs that match the declared io', () => expect(codeAndMessage({ inputs: good })).toBeNull());
  const bad: Array<[string, unknown, string]> = [
    ['no inputs object', {}, 'inputs'],
    ['unknown input', { inputs: { ...good, extra: t([1]) } }, 'inputs.extra'],
    ['missing input', { inputs: { input: good.input } }, 'inputs.sr'],
    ['wrong type', { inputs: { ...good, sr: t([16000], []) } }, 'inputs.sr.type'],
    ['data length != product(dims)', { inputs: { ...good, input: t([1, 2, 3], [1, 512]) } }, 'inputs.input'],
    ['wrong fixed dimension', { inputs: { ...good, input: t(new Array(256).fill(0), [1, 256]) } }, 'inputs.input.dims'],
    ['non-integer int64', { inputs: { ...good, sr: { type: 'int64', dims: [], data: [1.5] } } }, 'inputs.sr'],
    ['bad tensor shape', { inputs: { ...good, sr: { type: 'int64', dims: [-1], data: [] } } }, 'inputs.sr.dims'],
  ];
  for (const [name, body, field] of bad) {
    it(`rejects ${name} with E_SCHEMA naming ${field}`, () => {
      const result = codeAndMessage(body);
      expect(result).toMatch(/^E_SCHEMA /);
      expect(result).toContain(field);
    });
  }
});
