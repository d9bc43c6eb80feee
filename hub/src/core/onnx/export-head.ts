/**
 * The dense layers and the head of an exported network. Each DenseLayer is MatMul + Add, not Gemm,
 * because the dynamic int8 quantizer rewrites MatMul with a constant weight (ML.md); the head turns
 * the last layer's output into the outputs named in types.ts Head.
 */
import type { Activation, DenseLayer, Head } from '../training/types';
import { attr } from './attribute';
import type { GraphBuilder } from './builder';
import { BATCH_DIM } from './export-preprocess';

const ACTIVATION_OPS: Readonly<Record<Exclude<Activation, 'none'>, string>> = { relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid' };

export function addDenseLayer(g: GraphBuilder, x: string, layer: DenseLayer, index: number): string {
  const w = g.initializer(`layer${index}_weight`, { type: 'float32', data: Float32Array.from(layer.weights) }, [layer.inputs, layer.outputs]);
  const b = g.initializer(`layer${index}_bias`, { type: 'float32', data: Float32Array.from(layer.bias) }, [layer.outputs]);
  const y = g.op('Add', [g.op('MatMul', [x, w]), b]);
  return layer.activation === 'none' ? y : g.op(ACTIVATION_OPS[layer.activation], [y]);
}

const scalar = (g: GraphBuilder, base: string, value: number): string => g.initializer(base, { type: 'float32', data: Float32Array.of(value) }, []);

/** Declares `probabilities` (already written by a node) and derives `label` from it. */
function declareProbabilitiesAndLabel(g: GraphBuilder, classes: number): void {
  g.output('probabilities', 'float32', [BATCH_DIM, classes]);
  // select_last_index 0: ties go to the first class, as in forward.ts.
  g.node('ArgMax', ['probabilities'], ['label'], { axis: attr.int(1), keepdims: attr.int(0) });
  g.output('label', 'int64', [BATCH_DIM]);
}

/**
 * Adds the head over `out` (the last layer's output). `encoded` is the preprocessed input, which
 * the reconstruction head compares against.
 */
export function addHead(g: GraphBuilder, head: Head, out: string, encoded: string): void {
  switch (head.kind) {
    case 'softmax':
      g.node('Softmax', [out], ['probabilities'], { axis: attr.int(-1) });
      declareProbabilitiesAndLabel(g, head.classes.length);
      return;
    case 'sigmoid-binary': {
      const p = g.op('Sigmoid', [out]);
      const q = g.op('Sub', [scalar(g, 'one', 1), p]);
      g.node('Concat', [q, p], ['probabilities'], { axis: attr.int(1) });
      declareProbabilitiesAndLabel(g, 2);
      return;
    }
    case 'identity': {
      const scaled = g.op('Mul', [out, scalar(g, 'target_sd', head.targetSd)]);
      g.node('Add', [scaled, scalar(g, 'target_mean', head.targetMean)], ['prediction']);
      g.output('prediction', 'float32', [BATCH_DIM, 1]);
      return;
    }
    case 'reconstruction': {
      const error = g.op('Sub', [out, encoded]);
      const squared = g.op('Mul', [error, error]);
      const axes = g.initializer('score_axes', { type: 'int64', data: BigInt64Array.of(1n) }, [1]);
      g.node('ReduceMean', [squared, axes], ['score'], { keepdims: attr.int(1) });
      g.output('score', 'float32', [BATCH_DIM, 1]);
      g.node('Greater', ['score', scalar(g, 'threshold', head.threshold)], ['anomaly']);
      g.output('anomaly', 'bool', [BATCH_DIM, 1]);
      return;
    }
  }
}
