/**
 * What ships with a trained version besides its weights: the drift reference profile (DRIFT.md)
 * built on the raw training rows, and the golden probe (a few raw test rows, and what
 * onnxruntime answers on them) that every agent checks before serving.
 */
import { tensorToJson, type Probe, type ReferenceProfile, type TensorJson } from '@edgefleet/protocol';
import { CATEGORICAL_INPUT, NUMERIC_INPUT } from '../../core/onnx';
import { buildReferenceProfile, type ReferenceFeatureInput, type ReferenceInput } from '../../core/reference-profile';
import { PROBE_TOLERANCE } from '../../core/release-manifest';
import { predictEncoded, type Table, type TrainedNetwork } from '../../core/training';
import { rawRows, type RawRows } from './training-data';
import type { OnnxSession } from './training-onnx';

/** Rows in a probe: enough to exercise the batch dim, small enough for an MQTT manifest. */
export const PROBE_ROWS = 4;

export const featureNames = (net: TrainedNetwork): string[] => [...net.features.numeric.map((f) => f.name), ...net.features.categorical.map((f) => f.name)];

/** Reference counts of the raw training rows and of the model's outputs and OOD score on them. */
export function buildReference(net: TrainedNetwork, table: Table, trainRows: readonly number[], encodedTrain: Float32Array): ReferenceProfile {
  const raw = rawRows(table, featureNames(net), trainRows);
  const fn = raw.numericNames.length;
  const fc = raw.categoricalNames.length;
  const features: ReferenceFeatureInput[] = [
    ...net.features.numeric.map((f, j): ReferenceFeatureInput => ({ name: f.name, kind: 'numeric', source: { input: NUMERIC_INPUT, index: j }, values: Float64Array.from({ length: raw.rows }, (_, i) => raw.numeric[i * fn + j] as number) })),
    ...net.features.categorical.map((f, j): ReferenceFeatureInput => ({
      name: f.name,
      kind: 'categorical',
      source: { input: CATEGORICAL_INPUT, index: j },
      values: Array.from({ length: raw.rows }, (_, i) => raw.categorical[i * fc + j] || null),
      categories: f.categories,
    })),
  ];
  return buildReferenceProfile({ rows: Math.max(1, raw.rows), features, ...outputsOf(net, encodedTrain, raw.rows) });
}

function outputsOf(net: TrainedNetwork, x: Float32Array, rows: number): Pick<ReferenceInput, 'outputs' | 'ood'> {
  const p = predictEncoded(net, x, rows);
  switch (p.kind) {
    case 'classification': {
      const k = p.classes.length;
      const top = Float64Array.from({ length: rows }, (_, r) => Math.max(...p.probabilities.subarray(r * k, (r + 1) * k)));
      // The top probability is both the confidence histogram and the max-softmax OOD score.
      return { outputs: [{ name: 'label', kind: 'class', classes: p.classes, predicted: p.labels, confidence: top }], ood: { score: 'max-softmax', values: top } };
    }
    case 'regression':
      return { outputs: [{ name: 'prediction', kind: 'numeric', values: p.prediction }], ood: { score: 'standardized-distance', values: standardizedDistance(x, rows, net.features.numeric.length) } };
    case 'anomaly':
      return { outputs: [{ name: 'score', kind: 'numeric', values: p.score }], ood: { score: 'reconstruction-error', values: p.score } };
  }
}

/** Root mean square of a row's standardised numeric features: how far it sits from the training mean, in sds. */
function standardizedDistance(x: Float32Array, rows: number, numeric: number): Float64Array {
  const width = rows > 0 ? x.length / rows : 0;
  return Float64Array.from({ length: rows }, (_, r) => {
    let sum = 0;
    for (let j = 0; j < numeric; j++) sum += (x[r * width + j] as number) ** 2;
    return numeric > 0 ? Math.sqrt(sum / numeric) : 0;
  });
}

/** The first PROBE_ROWS test rows; missing numbers (NaN, which JSON cannot carry) take the feature's fill value, as the graph would. */
export function probeRows(net: TrainedNetwork, table: Table, testRows: readonly number[]): RawRows {
  const raw = rawRows(table, featureNames(net), testRows.slice(0, PROBE_ROWS));
  const fn = raw.numericNames.length;
  raw.numeric.forEach((v, i) => {
    if (Number.isNaN(v)) raw.numeric[i] = net.features.numeric[i % fn]?.fill ?? 0;
  });
  return raw;
}

export async function buildProbe(session: OnnxSession, raw: RawRows): Promise<Probe> {
  const inputs: Record<string, TensorJson> = { [NUMERIC_INPUT]: { type: 'float32', dims: [raw.rows, raw.numericNames.length], data: Array.from(raw.numeric) } };
  if (session.io.inputs.some((i) => i.name === CATEGORICAL_INPUT)) inputs[CATEGORICAL_INPUT] = { type: 'string', dims: [raw.rows, raw.categoricalNames.length], data: [...raw.categorical] };
  const outputs = await session.run(raw);
  const expected: Record<string, TensorJson> = {};
  for (const [name, output] of Object.entries(outputs)) {
    const json = tensorToJson(output.type, output.data, output.dims);
    if (json.data.some((v) => typeof v === 'number' && !Number.isFinite(v))) throw new Error(`probe output ${name} holds NaN or Infinity`);
    expected[name] = json;
  }
  return { inputs, expected, tolerance: { ...PROBE_TOLERANCE } };
}
