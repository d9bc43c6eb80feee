/**
 * The shared vocabulary of the model lifecycle: tables of raw data, the preprocessing every
 * model carries inside its ONNX graph, and trained networks as plain arrays. Pure data only, so
 * trainers, exporters, quantizers and the drift profile can each be tested on their own.
 */

/** A dataset column as parsed from CSV: numbers (NaN = missing) or category labels (null = missing). */
export type Column =
  | { name: string; kind: 'numeric'; values: Float64Array }
  | { name: string; kind: 'categorical'; values: Array<string | null> };

/** Columnar table; every column has `rows` values. */
export interface Table {
  rows: number;
  columns: Column[];
}

export type Task = 'classification' | 'regression' | 'anomaly';

/**
 * Preprocessing that is part of the exported graph, so devices feed raw features (no
 * train/serve skew). Fitted on the training split only.
 *
 * ONNX inputs of every trained model:
 *  - `numeric`: float32 [N, numeric.length], columns in this order; NaN means missing and is
 *    replaced by `fill` (the training mean) before standardising `(x - mean) / sd`, then clipped
 *    to [-clip, clip] when the spec has a `clip`.
 *  - `categorical`: string [N, categorical.length] (only when there are categorical features);
 *    each column is one-hot encoded over `categories`; unseen and missing values encode as all zeros.
 * The encoded vector is numeric features first, then each categorical column's one-hot block.
 */
export interface FeatureSpec {
  numeric: Array<{ name: string; mean: number; sd: number; fill: number }>;
  categorical: Array<{ name: string; categories: string[] }>;
  /**
   * When set, standardised numeric values are clipped to [-clip, clip]: a value far outside
   * anything seen in training (a stray pixel, a broken sensor) then cannot blow up activations,
   * nor stretch the per-call range of dynamically quantized int8 layers.
   */
  clip?: number;
}

export const encodedWidth = (features: FeatureSpec): number =>
  features.numeric.length + features.categorical.reduce((n, c) => n + c.categories.length, 0);

export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'none';

/** y = activation(x W + b); W is row-major [inputs x outputs] (so it maps to ONNX MatMul directly). */
export interface DenseLayer {
  inputs: number;
  outputs: number;
  weights: Float32Array;
  bias: Float32Array;
  activation: Activation;
}

/**
 * What a network's final layer output means, and so which ONNX outputs the export creates:
 *  - `softmax`: classification; outputs `probabilities` float32 [N, classes] and `label` int64 [N]
 *  - `sigmoid-binary`: classification with one logit; same outputs, probabilities [1-p, p]
 *  - `identity`: regression; output `prediction` float32 [N, 1] in target units
 *    (the network predicts the standardised target: prediction = out * targetSd + targetMean)
 *  - `reconstruction`: autoencoder over the encoded features; outputs `score` float32 [N, 1] (mean
 *    squared reconstruction error of the encoded vector) and `anomaly` bool [N, 1] (score > threshold)
 */
export type Head =
  | { kind: 'softmax'; classes: string[] }
  | { kind: 'sigmoid-binary'; classes: [string, string] }
  | { kind: 'identity'; targetMean: number; targetSd: number }
  | { kind: 'reconstruction'; threshold: number };

export interface TrainedNetwork {
  features: FeatureSpec;
  layers: DenseLayer[];
  head: Head;
}

/** Encoded design matrix (row-major [rows x width]) with its target. */
export interface EncodedData {
  rows: number;
  width: number;
  x: Float32Array;
  /** class index per row (classification), the raw target (regression), or optional 0/1 labels (anomaly: 1 = anomalous) */
  y?: Int32Array | Float32Array;
  /** per-row sample weights (class balancing); absent = all 1 */
  weights?: Float32Array;
}
