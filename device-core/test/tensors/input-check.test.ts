/** The input rules refuse with the core's own error: E_SCHEMA naming the field. */
import { describe, expect, it } from 'vitest';
import type { IoSpec } from '@edgefleet/protocol';
import { DeviceCoreError } from '../../src/errors';
import { checkInputs, checkTypedInputs } from '../../src/tensors/input-check';

const specs: IoSpec[] = [{ name: 'x', type: 'float32', shape: ['n', 2] }];
const refusal = (run: () => unknown): string => {
  try {
    run();
    return 'accepted';
  } catch (error) {
    return error instanceof DeviceCoreError ? `${error.code} ${error.message}` : `not a DeviceCoreError: ${String(error)}`;
  }
};

describe('checkTypedInputs and checkInputs', () => {
  it('accept inputs of the declared names, types and shapes', () => {
    expect(refusal(() => checkTypedInputs({ x: { type: 'float32', dims: [1, 2], data: new Float32Array(2) } }, specs))).toBe('accepted');
    expect(refusal(() => checkInputs({ x: { type: 'float32', dims: [1, 2], data: [1, 2] } }, specs, 'probe.inputs'))).toBe('accepted');
  });

  it('refuse with E_SCHEMA naming the field', () => {
    expect(refusal(() => checkTypedInputs({ y: { type: 'float32', dims: [1, 2], data: new Float32Array(2) } }, specs))).toBe('E_SCHEMA inputs.y: unknown input (expected x)');
    expect(refusal(() => checkTypedInputs({ x: { type: 'float32', dims: [1, 3], data: new Float32Array(3) } }, specs))).toBe('E_SCHEMA inputs.x.dims: dimension 1 is 3, the model needs 2');
    expect(refusal(() => checkInputs({ x: { type: 'float32', dims: [1, 2], data: [1] } }, specs, 'shadow inputs'))).toBe(
      'E_SCHEMA shadow inputs.x: data has 1 elements but dims [1,2] need 2',
    );
  });
});
