/**
 * Read-only helpers over a decoded ModelProto, for the quantizer and the importers: walk every
 * node including control-flow bodies, look up initializers, read float weights.
 */
import { TensorProto_DataLocation, TensorProto_DataType, type GraphProto, type ModelProto, type NodeProto, type TensorProto } from 'onnx-buf';

export interface NodeVisit {
  node: NodeProto;
  /** the graph that owns the node: the main graph, or an If/Loop/Scan body */
  graph: GraphProto;
  /** 0 for the main graph, 1 for a body inside it, ... */
  depth: number;
}

/** Every graph attribute of a node (If then/else branches, Loop and Scan bodies, ...). */
export function subgraphsOf(node: NodeProto): GraphProto[] {
  return node.attribute.flatMap((a) => [...(a.g ? [a.g] : []), ...a.graphs]);
}

/** The graph and every graph nested in it, depth first, parents before children. */
export function* walkGraphs(graph: GraphProto, depth = 0): Generator<{ graph: GraphProto; depth: number }> {
  yield { graph, depth };
  for (const node of graph.node) for (const body of subgraphsOf(node)) yield* walkGraphs(body, depth + 1);
}

/** Every node of the graph and of its subgraphs, each graph's nodes in file order. */
export function* walkNodes(graph: GraphProto): Generator<NodeVisit> {
  for (const { graph: g, depth } of walkGraphs(graph)) for (const node of g.node) yield { node, graph: g, depth };
}

/**
 * The initializer called `name` in `graph`; with `deep`, also in nested bodies (first match,
 * outermost first, which is how ONNX scoping resolves an outer-scope name).
 */
export function findInitializer(graph: GraphProto, name: string, options: { deep?: boolean } = {}): TensorProto | undefined {
  const graphs = options.deep ? [...walkGraphs(graph)].map((v) => v.graph) : [graph];
  for (const g of graphs) {
    const found = g.initializer.find((t) => t.name === name);
    if (found) return found;
  }
  return undefined;
}

/** Initializers by name (main graph only). */
export const initializerMap = (graph: GraphProto): Map<string, TensorProto> => new Map(graph.initializer.map((t) => [t.name, t]));

export const tensorDims = (tensor: TensorProto): number[] => tensor.dims.map((d) => Number(d));

export const tensorSize = (tensor: TensorProto): number => tensorDims(tensor).reduce((n, d) => n * d, 1);

/** A float32 initializer's values, from raw_data (little-endian) or float_data. */
export function readFloat32(tensor: TensorProto): Float32Array {
  if (tensor.dataType !== TensorProto_DataType.FLOAT) {
    throw new TypeError(`initializer ${tensor.name}: data type ${TensorProto_DataType[tensor.dataType] ?? tensor.dataType}, not FLOAT`);
  }
  if (tensor.dataLocation === TensorProto_DataLocation.EXTERNAL) throw new TypeError(`initializer ${tensor.name}: data is stored externally`);
  const size = tensorSize(tensor);
  if (tensor.rawData.length > 0) {
    if (tensor.rawData.length !== size * 4) throw new RangeError(`initializer ${tensor.name}: ${tensor.rawData.length} raw bytes for ${size} floats`);
    const view = new DataView(tensor.rawData.buffer, tensor.rawData.byteOffset, tensor.rawData.byteLength);
    return Float32Array.from({ length: size }, (_, i) => view.getFloat32(i * 4, true));
  }
  if (tensor.floatData.length !== size) throw new RangeError(`initializer ${tensor.name}: ${tensor.floatData.length} floats for dims [${tensorDims(tensor).join(', ')}]`);
  return Float32Array.from(tensor.floatData);
}

/** The opset of the default domain ('' or 'ai.onnx'), or undefined when not imported. */
export function defaultOpset(model: ModelProto): number | undefined {
  const entry = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  return entry === undefined ? undefined : Number(entry.version);
}

/** The opset of any domain, e.g. 'ai.onnx.ml'. */
export function opsetOf(model: ModelProto, domain: string): number | undefined {
  if (domain === '' || domain === 'ai.onnx') return defaultOpset(model);
  const entry = model.opsetImport.find((o) => o.domain === domain);
  return entry === undefined ? undefined : Number(entry.version);
}

/** metadata_props as a plain record (the last value wins for a repeated key). */
export const metadataOf = (model: ModelProto): Record<string, string> => Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
