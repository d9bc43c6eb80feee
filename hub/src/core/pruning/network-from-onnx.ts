/**
 * Reads back a TrainedNetwork from the ONNX model exportNetwork wrote (onnx/export-network.ts),
 * so a stored float model can be pruned and fine-tuned without its training run. Only that
 * exporter's layout is accepted: names and categories and the head from metadata, the scaling
 * constants and dense layers from float initializers. Anything else (a third-party graph, an int8
 * model whose weights are no longer float initializers) is refused with what is missing.
 */
import type { GraphProto, ModelProto, NodeProto, TensorProto } from 'onnx-buf';
import { z } from 'zod';
import { HubError, validation } from '../errors';
import { FEATURES_METADATA_KEY, HEAD_METADATA_KEY } from '../onnx/export-network';
import { checkNetwork } from '../onnx/network-check';
import { initializerMap, metadataOf, readFloat32, tensorDims } from '../onnx/read';
import type { Activation, DenseLayer, FeatureSpec, Head, TrainedNetwork } from '../training/types';

const refuse = (why: string): HubError => validation(`not a network exported by an edgefleet training run: ${why}`);

const featuresMetaSchema = z.object({
  numeric: z.array(z.string()),
  categorical: z.array(z.object({ name: z.string(), categories: z.array(z.string()) })),
});

const headSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('softmax'), classes: z.array(z.string()) }),
  z.object({ kind: z.literal('sigmoid-binary'), classes: z.tuple([z.string(), z.string()]) }),
  z.object({ kind: z.literal('identity'), targetMean: z.number(), targetSd: z.number() }),
  z.object({ kind: z.literal('reconstruction'), threshold: z.number() }),
]);

const ACTIVATION_OPS: ReadonlyMap<string, Exclude<Activation, 'none'>> = new Map([
  ['Relu', 'relu'],
  ['Tanh', 'tanh'],
  ['Sigmoid', 'sigmoid'],
]);

function parseMetadata<T>(metadata: Record<string, string>, key: string, schema: z.ZodType<T>): T {
  const text = metadata[key];
  if (text === undefined) throw refuse(`no ${key} metadata`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw refuse(`${key} metadata is not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw refuse(`${key} metadata: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

function missing(inits: ReadonlyMap<string, TensorProto>, name: string): HubError {
  // The quantizers keep the float name with a suffix on the int8 copy (quantize/dequantized-weight.ts).
  const quantized = inits.has(`${name}_quantized`) ? ' (its weights are quantized: prune the float model it was made from)' : '';
  return refuse(`no ${name} initializer${quantized}`);
}

function floats(inits: ReadonlyMap<string, TensorProto>, name: string, dims: readonly number[]): Float32Array {
  const tensor = inits.get(name);
  if (tensor === undefined) throw missing(inits, name);
  const actual = tensorDims(tensor);
  if (actual.length !== dims.length || actual.some((d, i) => d !== dims[i])) throw refuse(`initializer ${name} has dims [${actual.join(', ')}], expected [${dims.join(', ')}]`);
  try {
    return readFloat32(tensor);
  } catch (error) {
    // An int8 model keeps some names but not float data: say so rather than surface a TypeError.
    throw refuse(`initializer ${name} is not readable float32 data (${error instanceof Error ? error.message : String(error)})`);
  }
}

function readFeatures(metadata: Record<string, string>, inits: ReadonlyMap<string, TensorProto>): FeatureSpec {
  const meta = parseMetadata(metadata, FEATURES_METADATA_KEY, featuresMetaSchema);
  const n = meta.numeric.length;
  const spec: FeatureSpec = { numeric: [], categorical: meta.categorical };
  if (n === 0) return spec;
  const mean = floats(inits, 'mean', [n]);
  const sd = floats(inits, 'sd', [n]);
  // The exporter writes `fill` only when it differs from the mean (one constant serves both).
  const fill = inits.has('fill') ? floats(inits, 'fill', [n]) : mean;
  spec.numeric = meta.numeric.map((name, j) => ({ name, mean: mean[j] as number, sd: sd[j] as number, fill: fill[j] as number }));
  if (inits.has('clip_max')) spec.clip = floats(inits, 'clip_max', [])[0] as number;
  return spec;
}

function consumersOf(graph: GraphProto): Map<string, NodeProto[]> {
  const consumers = new Map<string, NodeProto[]>();
  for (const node of graph.node) {
    for (const input of node.input) {
      const list = consumers.get(input);
      if (list === undefined) consumers.set(input, [node]);
      else list.push(node);
    }
  }
  return consumers;
}

const onlyConsumer = (consumers: ReadonlyMap<string, NodeProto[]>, tensor: string, opType: string): NodeProto | undefined => {
  const found = (consumers.get(tensor) ?? []).filter((n) => n.opType === opType && n.domain === '');
  return found.length === 1 ? found[0] : undefined;
};

/** The activation applied to a layer's Add output, and the tensor the next stage reads. */
function activationAfter(add: string, consumers: ReadonlyMap<string, NodeProto[]>, last: boolean, head: Head): { activation: Activation; output: string } {
  const next = consumers.get(add) ?? [];
  const node = next.length === 1 ? next[0] : undefined;
  const activation = node !== undefined && node.domain === '' ? ACTIVATION_OPS.get(node.opType) : undefined;
  const output = node?.output[0];
  if (activation === undefined || output === undefined) return { activation: 'none', output: add };
  // The sigmoid-binary head starts with a Sigmoid of the last layer's output: that Sigmoid is the
  // layer's own activation only when the head's Sigmoid follows it.
  if (last && head.kind === 'sigmoid-binary' && activation === 'sigmoid' && onlyConsumer(consumers, output, 'Sigmoid') === undefined) return { activation: 'none', output: add };
  return { activation, output };
}

function readLayers(graph: GraphProto, inits: ReadonlyMap<string, TensorProto>, head: Head): DenseLayer[] {
  let count = 0;
  while (inits.has(`layer${count}_weight`)) count++;
  if (count === 0) throw missing(inits, 'layer0_weight');
  const consumers = consumersOf(graph);
  const layers: DenseLayer[] = [];
  let previous: string | undefined;
  for (let i = 0; i < count; i++) {
    const weightName = `layer${i}_weight`;
    const dims = tensorDims(inits.get(weightName) as TensorProto);
    if (dims.length !== 2) throw refuse(`initializer ${weightName} has dims [${dims.join(', ')}], expected [inputs, outputs]`);
    const [inputs, outputs] = dims as [number, number];
    const weights = floats(inits, weightName, [inputs, outputs]);
    const bias = floats(inits, `layer${i}_bias`, [outputs]);
    const matmul = onlyConsumer(consumers, weightName, 'MatMul');
    const product = matmul?.output[0];
    if (matmul === undefined || product === undefined || matmul.input[1] !== weightName) throw refuse(`no MatMul reads ${weightName}`);
    if (previous !== undefined && matmul.input[0] !== previous) throw refuse(`layer ${i} does not read layer ${i - 1}'s output`);
    const add = onlyConsumer(consumers, product, 'Add');
    const sum = add?.output[0];
    if (add === undefined || sum === undefined || !add.input.includes(`layer${i}_bias`)) throw refuse(`layer ${i}: no Add of layer${i}_bias after its MatMul`);
    const { activation, output } = activationAfter(sum, consumers, i === count - 1, head);
    layers.push({ inputs, outputs, weights, bias, activation });
    previous = output;
  }
  return layers;
}

/** The network `model` was exported from. Throws a HubError E_VALIDATION for any other model. */
export function networkFromOnnx(model: ModelProto): TrainedNetwork {
  const graph = model.graph;
  if (graph === undefined) throw refuse('the model has no graph');
  const metadata = metadataOf(model);
  const head: Head = parseMetadata(metadata, HEAD_METADATA_KEY, headSchema);
  const inits = initializerMap(graph);
  // Layers first: a quantized model is then refused for its weights, the part pruning needs.
  const layers = readLayers(graph, inits, head);
  const net: TrainedNetwork = { features: readFeatures(metadata, inits), layers, head };
  try {
    checkNetwork(net);
  } catch (error) {
    if (error instanceof HubError) throw refuse(error.message);
    throw error;
  }
  return net;
}
