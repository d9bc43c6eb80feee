/**
 * Golden probe inputs for an uploaded model: dims from the operator's `?probe=` hints, symbolic
 * dims defaulting to 1, values either given or drawn from a PRNG seeded by the artifact hash.
 */
import type { IoSpec, TensorJson, TensorType } from '@edgefleet/protocol';
import { validation } from './errors';
import { mulberry32, seedFromHex } from './seeded-random';

export interface ProbeHint {
  dims: number[];
  data?: Array<number | boolean | string>;
}
export type ProbeHints = Record<string, ProbeHint>;

/** Probes travel inside signed manifests over MQTT, so they must stay small. */
export const MAX_PROBE_INPUT_ELEMENTS = 16_384;

export const elementCount = (dims: readonly number[]): number => dims.reduce((n, d) => n * d, 1);

export function buildProbeInputs(inputs: readonly IoSpec[], hints: ProbeHints, seedHex: string): Record<string, TensorJson> {
  const known = new Set(inputs.map((input) => input.name));
  for (const name of Object.keys(hints)) {
    if (!known.has(name)) throw validation(`probe.${name}: the model has no input named ${JSON.stringify(name)} (inputs: ${[...known].join(', ')})`);
  }
  const random = mulberry32(seedFromHex(seedHex));
  const out: Record<string, TensorJson> = {};
  let total = 0;
  for (const input of inputs) {
    const hint = hints[input.name];
    const dims = hint ? hint.dims : input.shape.map((d) => (typeof d === 'number' ? d : 1));
    const count = elementCount(dims);
    total += count;
    if (total > MAX_PROBE_INPUT_ELEMENTS) {
      throw validation(`probe: inputs would hold more than ${MAX_PROBE_INPUT_ELEMENTS} elements; pass smaller dims with ?probe=`);
    }
    if (hint?.data !== undefined && hint.data.length !== count) {
      throw validation(`probe.${input.name}.data: has ${hint.data.length} values but dims [${dims.join(',')}] need ${count}`);
    }
    const data = hint?.data ?? Array.from({ length: count }, () => randomValue(input.type, random));
    out[input.name] = { type: input.type, dims, data };
  }
  return out;
}

function randomValue(type: TensorType, random: () => number): number | boolean | string {
  switch (type) {
    case 'float32':
    case 'float16':
      return Math.fround(random() * 2 - 1);
    case 'float64':
      return random() * 2 - 1;
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'uint8':
      // small non-negative ints are safe as indices, lengths and class ids alike
      return Math.floor(random() * 4);
    case 'bool':
      return random() < 0.5;
    case 'string':
      return `probe-${Math.floor(random() * 1000)}`;
  }
}
