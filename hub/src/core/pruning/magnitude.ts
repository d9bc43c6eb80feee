/**
 * Unstructured magnitude pruning: the smallest weights of each layer are set to exactly zero and
 * a mask remembers which, so fine-tuning can re-apply it after every optimiser step (fit-loop.ts
 * afterStep) and the zeros survive. Biases are never masked: they are few and cheap. Pure: the
 * input network is not modified; applyMasks alone writes, into the layers it is given.
 */
import { validation } from '../errors';
import { checkNetwork } from '../onnx/network-check';
import type { DenseLayer, TrainedNetwork } from '../training/types';

export interface MagnitudeOptions {
  /** fraction of each layer's weights set to zero, 0 <= sparsity < 1 (rounded to whole weights) */
  sparsity: number;
}

export interface MagnitudeResult {
  network: TrainedNetwork;
  /** one per layer, as long as its weights: 1 = kept, 0 = pruned */
  masks: Uint8Array[];
  /** weights masked over all layers */
  zeroed: number;
}

/** The mask keeping all but the `count` smallest |w| (ties: the lower index is pruned first). */
function smallestMask(weights: Float32Array, count: number): Uint8Array {
  const mask = new Uint8Array(weights.length).fill(1);
  if (count === 0) return mask;
  const order = Array.from({ length: weights.length }, (_, i) => i);
  order.sort((a, b) => Math.abs(weights[a] as number) - Math.abs(weights[b] as number) || a - b);
  for (let i = 0; i < count; i++) mask[order[i] as number] = 0;
  return mask;
}

/**
 * Zeroes round(sparsity x weights) of the smallest-magnitude weights of every layer but the
 * output layer of a network with hidden layers: that one holds a sliver of the weights (one per
 * hidden unit and class) and each of them moves a class score directly, so pruning it costs
 * accuracy and saves nothing. Throws a HubError E_VALIDATION for a sparsity outside [0, 1) or
 * an inconsistent network.
 */
export function magnitudePrune(net: TrainedNetwork, options: MagnitudeOptions): MagnitudeResult {
  const { sparsity } = options;
  if (!Number.isFinite(sparsity) || sparsity < 0 || sparsity >= 1) throw validation(`magnitude pruning: sparsity must be a fraction in [0, 1), got ${sparsity}`);
  checkNetwork(net);
  const layers: DenseLayer[] = net.layers.map((l) => ({ ...l, weights: l.weights.slice(), bias: l.bias.slice() }));
  const kept = layers.length > 1 ? layers.length - 1 : -1;
  const masks = layers.map((l, i) => smallestMask(l.weights, i === kept ? 0 : Math.round(sparsity * l.weights.length)));
  applyMasks(layers, masks);
  const zeroed = masks.reduce((n, m) => n + m.length - m.reduce((kept, bit) => kept + bit, 0), 0);
  return { network: { features: net.features, layers, head: net.head }, masks, zeroed };
}

/** Sets every masked weight of `layers` to zero, in place (after each fine-tuning step). */
export function applyMasks(layers: readonly DenseLayer[], masks: readonly Uint8Array[]): void {
  if (masks.length !== layers.length) throw validation(`pruning masks: ${masks.length} masks for ${layers.length} layers`);
  layers.forEach((layer, l) => {
    const mask = masks[l] as Uint8Array;
    if (mask.length !== layer.weights.length) throw validation(`pruning masks: layer ${l} has ${layer.weights.length} weights, its mask ${mask.length}`);
    const { weights } = layer;
    for (let i = 0; i < mask.length; i++) if (mask[i] === 0) weights[i] = 0;
  });
}

/** Fraction of the weights (not biases) of `layers` that are exactly zero; 0 without weights. */
export function sparsityOf(layers: readonly DenseLayer[]): number {
  let zeros = 0;
  let total = 0;
  for (const { weights } of layers) {
    total += weights.length;
    for (let i = 0; i < weights.length; i++) if (weights[i] === 0) zeros++;
  }
  return total === 0 ? 0 : zeros / total;
}
