/**
 * Building, differentiating and updating stacks of DenseLayers: weight initialisation, the
 * backward pass of a batch and the Adam optimiser. Float32Array throughout; W is row-major
 * [inputs x outputs] exactly as in types.ts, so trained layers export without reshaping.
 */
import type { Random } from '../random';
import type { Activation, DenseLayer } from '../types';

/** He-normal for relu, LeCun-normal otherwise; biases start at zero. */
export function initLayer(inputs: number, outputs: number, activation: Activation, random: Random): DenseLayer {
  const scale = Math.sqrt((activation === 'relu' ? 2 : 1) / Math.max(1, inputs));
  const weights = new Float32Array(inputs * outputs);
  for (let i = 0; i < weights.length; i++) weights[i] = random.gaussian() * scale;
  return { inputs, outputs, weights, bias: new Float32Array(outputs), activation };
}

/** sizes [in, h1, ..., out]: hidden layers use `activation`, the last one 'none' (the head acts on it). */
export function initStack(sizes: readonly number[], activation: Activation, random: Random): DenseLayer[] {
  const layers: DenseLayer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const last = l + 2 === sizes.length;
    layers.push(initLayer(sizes[l] as number, sizes[l + 1] as number, last ? 'none' : activation, random));
  }
  return layers;
}

export interface Gradients {
  weights: Float32Array[];
  bias: Float32Array[];
}

export const zeroGradients = (layers: readonly DenseLayer[]): Gradients => ({
  weights: layers.map((l) => new Float32Array(l.weights.length)),
  bias: layers.map((l) => new Float32Array(l.bias.length)),
});

/**
 * Gradients of a batch, given the layer inputs/outputs of the forward pass (acts[0] = batch x,
 * acts[l + 1] = layer l's output) and dLoss/d(last output). Overwrites `grads`; l2 adds l2 * W.
 */
export function backward(layers: readonly DenseLayer[], acts: readonly Float32Array[], dOut: Float32Array, rows: number, l2: number, grads: Gradients): void {
  let delta = dOut;
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l] as DenseLayer;
    const { inputs, outputs, weights } = layer;
    const input = acts[l] as Float32Array;
    const output = acts[l + 1] as Float32Array;
    activationGradInPlace(layer.activation, output, delta);
    const gw = grads.weights[l] as Float32Array;
    const gb = grads.bias[l] as Float32Array;
    gw.fill(0);
    gb.fill(0);
    for (let r = 0; r < rows; r++) {
      const d = r * outputs;
      for (let k = 0; k < outputs; k++) gb[k] = (gb[k] as number) + (delta[d + k] as number);
      for (let i = 0; i < inputs; i++) {
        const xi = input[r * inputs + i] as number;
        if (xi === 0) continue;
        const w = i * outputs;
        for (let k = 0; k < outputs; k++) gw[w + k] = (gw[w + k] as number) + xi * (delta[d + k] as number);
      }
    }
    if (l2 > 0) for (let i = 0; i < gw.length; i++) gw[i] = (gw[i] as number) + l2 * (weights[i] as number);
    if (l === 0) break; // the gradient w.r.t. the data is never needed
    const next = new Float32Array(rows * inputs);
    for (let r = 0; r < rows; r++) {
      const d = r * outputs;
      for (let i = 0; i < inputs; i++) {
        const w = i * outputs;
        let sum = 0;
        for (let k = 0; k < outputs; k++) sum += (delta[d + k] as number) * (weights[w + k] as number);
        next[r * inputs + i] = sum;
      }
    }
    delta = next;
  }
}

/** delta *= activation'(z), written in terms of the activation's output a. */
function activationGradInPlace(activation: Activation, a: Float32Array, delta: Float32Array): void {
  switch (activation) {
    case 'relu':
      for (let i = 0; i < delta.length; i++) if ((a[i] as number) <= 0) delta[i] = 0;
      return;
    case 'tanh':
      for (let i = 0; i < delta.length; i++) delta[i] = (delta[i] as number) * (1 - (a[i] as number) * (a[i] as number));
      return;
    case 'sigmoid':
      for (let i = 0; i < delta.length; i++) delta[i] = (delta[i] as number) * (a[i] as number) * (1 - (a[i] as number));
      return;
    case 'none':
      return;
  }
}

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Adam (Kingma & Ba) with bias correction; one instance per training run. */
export function createAdam(layers: readonly DenseLayer[], options: AdamOptions): (grads: Gradients) => void {
  const { lr } = options;
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const epsilon = options.epsilon ?? 1e-8;
  const m = zeroGradients(layers);
  const v = zeroGradients(layers);
  let t = 0;
  const update = (param: Float32Array, grad: Float32Array, mt: Float32Array, vt: Float32Array, step: number, c2: number): void => {
    for (let i = 0; i < param.length; i++) {
      const g = grad[i] as number;
      const mi = beta1 * (mt[i] as number) + (1 - beta1) * g;
      const vi = beta2 * (vt[i] as number) + (1 - beta2) * g * g;
      mt[i] = mi;
      vt[i] = vi;
      param[i] = (param[i] as number) - (step * mi) / (Math.sqrt(vi / c2) + epsilon);
    }
  };
  return (grads) => {
    t++;
    const c1 = 1 - beta1 ** t;
    const c2 = 1 - beta2 ** t;
    const step = lr / c1;
    layers.forEach((layer, l) => {
      update(layer.weights, grads.weights[l] as Float32Array, m.weights[l] as Float32Array, v.weights[l] as Float32Array, step, c2);
      update(layer.bias, grads.bias[l] as Float32Array, m.bias[l] as Float32Array, v.bias[l] as Float32Array, step, c2);
    });
  };
}

export const cloneLayers = (layers: readonly DenseLayer[]): DenseLayer[] =>
  layers.map((l) => ({ ...l, weights: l.weights.slice(), bias: l.bias.slice() }));
