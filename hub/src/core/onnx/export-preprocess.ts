/**
 * The preprocessing stage of an exported network (types.ts FeatureSpec), identical to encode.ts:
 *
 *   numeric [N,Fn] -> Where(IsNaN(x), fill, x) -> Sub(mean) -> Div(sd) [-> Clip(-clip, clip)]
 *   categorical [N,Fc] string -> Gather(axis 1, column of each one-hot slot) [N,K]
 *       -> Equal(category of each slot) -> Cast(float)                   (K = all categories)
 *   Concat(numeric block, one-hot block) on axis 1 -> encoded [N, Fn + K]
 *
 * One-hot by string Equal (opset >= 19) rather than ai.onnx.ml LabelEncoder + OneHot: it is three
 * default-domain nodes for all columns together, needs no ai.onnx.ml (absent from minimal
 * onnxruntime builds), and '' or an unseen value equals no slot, so it encodes as all zeros for
 * free; OneHot would wrap LabelEncoder's -1 default round to the last category.
 */
import { TensorProto_DataType } from 'onnx-buf';
import { encodedWidth, type FeatureSpec } from '../training/types';
import { attr } from './attribute';
import type { GraphBuilder } from './builder';
import { numericConstants } from './feature-spec';

export const NUMERIC_INPUT = 'numeric';
export const CATEGORICAL_INPUT = 'categorical';
export const BATCH_DIM = 'N';

function numericBlock(g: GraphBuilder, features: FeatureSpec): string {
  const n = features.numeric.length;
  const x = g.input(NUMERIC_INPUT, 'float32', [BATCH_DIM, n]);
  if (n === 0) return x;
  const { fill, mean, sd } = numericConstants(features);
  const missing = g.op('IsNaN', [x]);
  const meanName = g.initializer('mean', { type: 'float32', data: mean }, [n]);
  // Missing values are usually filled with the mean: one constant then serves both nodes.
  const fillName = fill.every((value, i) => Object.is(value, mean[i])) ? meanName : g.initializer('fill', { type: 'float32', data: fill }, [n]);
  const filled = g.op('Where', [missing, fillName, x]);
  const centred = g.op('Sub', [filled, meanName]);
  const scaled = g.op('Div', [centred, g.initializer('sd', { type: 'float32', data: sd }, [n])]);
  if (features.clip === undefined) return scaled;
  const bound = Math.fround(features.clip);
  return g.op('Clip', [scaled, g.initializer('clip_min', { type: 'float32', data: Float32Array.of(-bound) }, []), g.initializer('clip_max', { type: 'float32', data: Float32Array.of(bound) }, [])]);
}

function oneHotBlock(g: GraphBuilder, features: FeatureSpec): string {
  const x = g.input(CATEGORICAL_INPUT, 'string', [BATCH_DIM, features.categorical.length]);
  const columns = features.categorical.flatMap((c, j) => c.categories.map(() => BigInt(j)));
  const slots = features.categorical.flatMap((c) => c.categories);
  const spread = g.op('Gather', [x, g.initializer('onehot_column', { type: 'int64', data: BigInt64Array.from(columns) }, [columns.length])], { axis: attr.int(1) });
  const hit = g.op('Equal', [spread, g.initializer('onehot_category', { type: 'string', data: slots }, [slots.length])]);
  return g.op('Cast', [hit], { to: attr.int(TensorProto_DataType.FLOAT) });
}

/**
 * Declares the `numeric` input (always, as types.ts promises, even with zero columns) and the
 * `categorical` input (only with categorical features), and returns the name of the encoded
 * float32 [N, encodedWidth] tensor.
 */
export function addPreprocessing(g: GraphBuilder, features: FeatureSpec): string {
  const numeric = numericBlock(g, features);
  if (features.categorical.length === 0) return numeric;
  if (encodedWidth(features) === features.numeric.length) {
    // Categorical columns without categories encode to nothing; the input is still declared.
    g.input(CATEGORICAL_INPUT, 'string', [BATCH_DIM, features.categorical.length]);
    return numeric;
  }
  const oneHot = oneHotBlock(g, features);
  return features.numeric.length === 0 ? oneHot : g.op('Concat', [numeric, oneHot], { axis: attr.int(1) });
}
