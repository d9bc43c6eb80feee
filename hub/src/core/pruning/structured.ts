/**
 * Structured pruning of a TrainedNetwork: whole hidden units are removed, so the pruned layers are
 * really smaller (fewer MatMul columns on devices), unlike zeroed weights that a dense kernel
 * still multiplies. Pure: arrays in, new arrays out; the input network is not modified.
 *
 * A removed unit j of layer l is replaced by its mean activation over the sample, folded into the
 * next layer's bias (b_{l+1} += mean(a_j) W_{l+1}[j,:]). What removing it then changes in layer
 * l+1's input is (a_j - mean(a_j)) W_{l+1}[j,:], so a unit's importance is its mean absolute
 * deviation times the norm of its outgoing weights: a dead or constant unit costs nothing, however
 * large its constant value.
 */
import { validation } from '../errors';
import { checkNetwork } from '../onnx/network-check';
import { forwardAll } from '../training/forward';
import { encodedWidth, type DenseLayer, type TrainedNetwork } from '../training/types';

export interface PruneSample {
  /** encoded input rows, row-major [rows x encodedWidth(features)] */
  x: Float32Array;
  rows: number;
}

export interface StructuredOptions {
  /** fraction of the units of every hidden layer removed, 0 < sparsity < 1 (rounded to whole units) */
  sparsity: number;
  /** no hidden layer keeps fewer units than this; default 1 */
  minUnits?: number;
}

export interface StructuredResult {
  network: TrainedNetwork;
  /** units removed from each hidden layer (every layer but the last) */
  removed: number[];
  /** indices (into the original layer's outputs, ascending) of the units each hidden layer kept */
  kept: number[][];
}

function checkOptions(net: TrainedNetwork, sample: PruneSample, options: StructuredOptions): number {
  const { sparsity } = options;
  if (!Number.isFinite(sparsity) || sparsity <= 0 || sparsity >= 1) throw validation(`structured pruning: sparsity must be a fraction between 0 and 1 (exclusive), got ${sparsity}`);
  const minUnits = options.minUnits ?? 1;
  if (!Number.isInteger(minUnits) || minUnits < 1) throw validation(`structured pruning: minUnits must be a whole number >= 1, got ${minUnits}`);
  checkNetwork(net);
  if (net.layers.length < 2) throw validation('structured pruning: the network has no hidden layer (only its output layer, which is never pruned)');
  const width = encodedWidth(net.features);
  if (!Number.isInteger(sample.rows) || sample.rows < 1) throw validation(`structured pruning: the sample needs at least one row, got ${sample.rows}`);
  if (sample.x.length !== sample.rows * width) throw validation(`structured pruning: sample has ${sample.x.length} values, expected ${sample.rows} rows x ${width} encoded features`);
  return minUnits;
}

/** Mean and mean absolute deviation of each column of a row-major [rows x units] matrix. */
function columnStats(a: Float32Array, rows: number, units: number): { mean: Float64Array; deviation: Float64Array } {
  const mean = new Float64Array(units);
  for (let r = 0; r < rows; r++) for (let j = 0; j < units; j++) mean[j] = (mean[j] as number) + (a[r * units + j] as number);
  for (let j = 0; j < units; j++) mean[j] = (mean[j] as number) / rows;
  const deviation = new Float64Array(units);
  for (let r = 0; r < rows; r++) for (let j = 0; j < units; j++) deviation[j] = (deviation[j] as number) + Math.abs((a[r * units + j] as number) - (mean[j] as number));
  for (let j = 0; j < units; j++) deviation[j] = (deviation[j] as number) / rows;
  return { mean, deviation };
}

function rowNorm(layer: DenseLayer, row: number): number {
  let sum = 0;
  for (let k = 0; k < layer.outputs; k++) sum += (layer.weights[row * layer.outputs + k] as number) ** 2;
  return Math.sqrt(sum);
}

/** Layer `layer` with only the output columns `kept`. */
function keepOutputs(layer: DenseLayer, kept: readonly number[]): DenseLayer {
  const outputs = kept.length;
  const weights = new Float32Array(layer.inputs * outputs);
  for (let i = 0; i < layer.inputs; i++) kept.forEach((j, c) => (weights[i * outputs + c] = layer.weights[i * layer.outputs + j] as number));
  return { ...layer, outputs, weights, bias: Float32Array.from(kept, (j) => layer.bias[j] as number) };
}

/** Layer `next` with only the input rows `kept`, the removed rows' mean contribution folded into its bias. */
function keepInputs(next: DenseLayer, kept: readonly number[], removed: readonly number[], mean: Float64Array): DenseLayer {
  const { outputs } = next;
  const weights = new Float32Array(kept.length * outputs);
  kept.forEach((j, r) => weights.set(next.weights.subarray(j * outputs, (j + 1) * outputs), r * outputs));
  const bias = Float64Array.from(next.bias);
  for (const j of removed) for (let k = 0; k < outputs; k++) bias[k] = (bias[k] as number) + (mean[j] as number) * (next.weights[j * outputs + k] as number);
  return { ...next, inputs: kept.length, weights, bias: Float32Array.from(bias) };
}

/**
 * Removes round(sparsity x units) of the least important units of every hidden layer (ties: the
 * lower index goes first), never leaving fewer than minUnits; the output layer is untouched.
 * Layers are pruned in order, each ranked on the activations of the network already pruned
 * before it, so the bias folds of earlier layers are accounted for. Throws a HubError
 * E_VALIDATION for out-of-range options, an inconsistent network or a sample of the wrong width.
 */
export function structuredPrune(net: TrainedNetwork, sample: PruneSample, options: StructuredOptions): StructuredResult {
  const minUnits = checkOptions(net, sample, options);
  const layers: DenseLayer[] = net.layers.map((l) => ({ ...l, weights: l.weights.slice(), bias: l.bias.slice() }));
  const removedCounts: number[] = [];
  const keptUnits: number[][] = [];
  let input = sample.x;
  for (let l = 0; l + 1 < layers.length; l++) {
    const layer = layers[l] as DenseLayer;
    const next = layers[l + 1] as DenseLayer;
    const units = layer.outputs;
    const activations = forwardAll([layer], input, sample.rows)[0] as Float32Array;
    const { mean, deviation } = columnStats(activations, sample.rows, units);
    const importance = Float64Array.from({ length: units }, (_, j) => (deviation[j] as number) * rowNorm(next, j));
    const count = Math.min(Math.round(options.sparsity * units), Math.max(0, units - minUnits));
    const order = Array.from({ length: units }, (_, j) => j).sort((a, b) => (importance[a] as number) - (importance[b] as number) || a - b);
    const removed = order.slice(0, count).sort((a, b) => a - b);
    const kept = order.slice(count).sort((a, b) => a - b);
    layers[l] = keepOutputs(layer, kept);
    layers[l + 1] = keepInputs(next, kept, removed, mean);
    removedCounts.push(count);
    keptUnits.push(kept);
    input = forwardAll([layers[l] as DenseLayer], input, sample.rows)[0] as Float32Array;
  }
  const network: TrainedNetwork = { features: net.features, layers, head: net.head };
  checkNetwork(network);
  return { network, removed: removedCounts, kept: keptUnits };
}
