/**
 * Golden probe inputs for an uploaded model: an input covered by the upload's sample inputs takes
 * its first sample; otherwise dims come from the operator's `?probe=` hints, symbolic dims
 * defaulting to 1 (reported as a warning: a [1,3,1,1] image probes nothing real), and values are
 * either given or drawn from a PRNG seeded by the artifact hash.
 */
import type { IoSpec, TensorJson, TensorType } from '@edgefleet/protocol';
import { validation } from './errors';
import { mulberry32, seedFromHex } from './seeded-random';

export interface ProbeHint {
  dims: number[];
  data?: Array<number | boolean | string>;
}
export type ProbeHints = Record<string, ProbeHint>;

/**
 * 262,144 input elements take real image sizes (3x224x224 = 150,528) and, at the short decimals
 * below, stay under MAX_PROBE_JSON_BYTES, which services/models/upload-model.ts checks on the finished probe.
 * Probes over 64 KiB of JSON leave the signed manifest as probe blobs (core/probe-blob.ts), so
 * the manifest stays small; the cap bounds what an agent downloads and holds to run the probe.
 */
export const MAX_PROBE_INPUT_ELEMENTS = 262_144;
/** inputs and expected outputs as JSON (below protocol MAX_PROBE_BLOB_BYTES, what agents accept) */
export const MAX_PROBE_JSON_BYTES = 2_250_000;
/** Expected outputs ride in the signed manifest over MQTT: keep them small (the sandbox refuses more at run time). */
export const MAX_PROBE_OUTPUT_ELEMENTS = 65_536;

export const elementCount = (dims: readonly number[]): number => dims.reduce((n, d) => n * d, 1);

/**
 * The shortest decimal that is the same float32: what a device feeds is the float32, and the
 * manifest carries about half the digits of the float64 expansion.
 */
export function shortFloat32(value: number): number {
  const target = Math.fround(value);
  if (!Number.isFinite(target)) return target;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(target.toPrecision(digits));
    if (Math.fround(candidate) === target) return candidate;
  }
  return Number(target.toPrecision(9));
}

/** `given`: inputs whose probe tensor is already chosen (the first of the upload's samples). */
export function buildProbeInputs(inputs: readonly IoSpec[], hints: ProbeHints, seedHex: string, given: Readonly<Record<string, TensorJson>> = {}): Record<string, TensorJson> {
  const known = new Set(inputs.map((input) => input.name));
  for (const name of Object.keys(hints)) {
    if (!known.has(name)) throw validation(`probe.${name}: the model has no input named ${JSON.stringify(name)} (inputs: ${[...known].join(', ')})`);
  }
  const random = mulberry32(seedFromHex(seedHex));
  const out: Record<string, TensorJson> = {};
  let total = 0;
  for (const input of inputs) {
    const chosen = given[input.name];
    if (chosen) {
      total += elementCount(chosen.dims);
      if (total > MAX_PROBE_INPUT_ELEMENTS) throw validation(`samples.${input.name}: one sample holds ${elementCount(chosen.dims)} elements; probe inputs are limited to ${MAX_PROBE_INPUT_ELEMENTS}`);
      out[input.name] = chosen;
      continue;
    }
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
    case 'float64':
      // four decimals: as good a probe as 17 digits, at under half the manifest bytes
      return Math.round((random() * 2 - 1) * 10_000) / 10_000;
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

/** Inputs whose probe dims fell back to 1 for a symbolic dim (no hint, no sample): worth a warning. */
export function defaultedProbeDims(inputs: readonly IoSpec[], hints: ProbeHints, given: Readonly<Record<string, TensorJson>> = {}): string[] {
  return inputs
    .filter((input) => hints[input.name] === undefined && given[input.name] === undefined && input.shape.some((d) => typeof d !== 'number'))
    .map((input) => {
      const dims = input.shape.map((d) => (typeof d === 'number' ? d : 1));
      return `probe.${input.name}: symbolic dims [${input.shape.map((d) => (typeof d === 'number' ? d : JSON.stringify(d))).join(',')}] were set to [${dims.join(',')}]; the probe (and, without samples, any quantization check) runs on that shape: name its dims in the probe (?probe=, the CLI's --probe file) or give real inputs (?samples=, --samples)`;
    });
}
