/**
 * Graph walking for models with control flow: a Scope is one GraphProto (the main graph or a
 * subgraph held by an If/Loop/Scan attribute) plus its enclosing scope. ONNX lets a subgraph
 * read any name visible in its enclosing graphs, so lookups and use counts cross scope borders.
 */
import type { GraphProto, ModelProto, NodeProto, TensorProto } from 'onnx-buf';

export interface Scope {
  graph: GraphProto;
  parent: Scope | undefined;
  /** Human-readable location, e.g. `main/If_0.else_branch`. */
  path: string;
}

export function subgraphsOf(node: NodeProto): Array<{ attribute: string; graph: GraphProto }> {
  const found: Array<{ attribute: string; graph: GraphProto }> = [];
  for (const attribute of node.attribute) {
    if (attribute.g) found.push({ attribute: attribute.name, graph: attribute.g });
    for (const graph of attribute.graphs) found.push({ attribute: attribute.name, graph });
  }
  return found;
}

export function mainGraph(model: ModelProto): GraphProto {
  if (!model.graph) throw new Error('model has no graph');
  return model.graph;
}

/** Every graph in the model, the main graph first, each subgraph after its parent. */
export function collectScopes(model: ModelProto): Scope[] {
  const scopes: Scope[] = [];
  const visit = (graph: GraphProto, parent: Scope | undefined, path: string): void => {
    const scope: Scope = { graph, parent, path };
    scopes.push(scope);
    for (const node of graph.node) {
      for (const sub of subgraphsOf(node)) visit(sub.graph, scope, `${path}/${node.name || node.opType}.${sub.attribute}`);
    }
  };
  visit(mainGraph(model), undefined, 'main');
  return scopes;
}

/** How many node inputs (in this graph and every nested subgraph) plus graph outputs read `name`. */
export function countUses(graph: GraphProto, name: string): number {
  let uses = graph.output.filter((output) => output.name === name).length;
  for (const node of graph.node) {
    for (const input of node.input) if (input === name) uses++;
    for (const sub of subgraphsOf(node)) uses += countUses(sub.graph, name);
  }
  return uses;
}

/** The nodes of this graph that read `name` directly, with the input slot. */
export function consumersOf(graph: GraphProto, name: string): Array<{ node: NodeProto; slot: number }> {
  const found: Array<{ node: NodeProto; slot: number }> = [];
  for (const node of graph.node) node.input.forEach((input, slot) => input === name && found.push({ node, slot }));
  return found;
}

/** Like consumersOf, but also inside nested subgraphs (which read outer names implicitly). */
export function consumersDeep(graph: GraphProto, name: string): Array<{ node: NodeProto; slot: number }> {
  const found = consumersOf(graph, name);
  for (const node of graph.node) for (const sub of subgraphsOf(node)) found.push(...consumersDeep(sub.graph, name));
  return found;
}

/** Does a nested subgraph of this graph read `name` (an implicit input we cannot see the consumer op of)? */
export function readInSubgraph(graph: GraphProto, name: string): boolean {
  return graph.node.some((node) => subgraphsOf(node).some((sub) => countUses(sub.graph, name) > 0));
}

export interface ConstantRef {
  name: string;
  tensor: TensorProto;
  owner: Scope;
  /** Initializer of `owner.graph`, or the `value` of a Constant node in it. */
  source: 'initializer' | 'constant-node';
  node?: NodeProto;
}

function constantNodeTensor(node: NodeProto): TensorProto | undefined {
  if (node.opType !== 'Constant' || (node.domain !== '' && node.domain !== 'ai.onnx')) return undefined;
  return node.attribute.find((attribute) => attribute.name === 'value')?.t;
}

/**
 * Resolves a name to a constant tensor visible from `scope`, or undefined when it is computed at
 * run time, fed by the caller, or an initializer that is also a graph input (overridable, so not
 * a constant: ONNX IR "initializers as default values").
 */
export function resolveConstant(scope: Scope, name: string): ConstantRef | undefined {
  for (let current: Scope | undefined = scope; current; current = current.parent) {
    const { graph } = current;
    const initializer = graph.initializer.find((tensor) => tensor.name === name);
    if (initializer) {
      if (graph.input.some((input) => input.name === name)) return undefined;
      return { name, tensor: initializer, owner: current, source: 'initializer' };
    }
    if (graph.input.some((input) => input.name === name)) return undefined;
    for (const node of graph.node) {
      if (!node.output.includes(name)) continue;
      const tensor = constantNodeTensor(node);
      return tensor ? { name, tensor, owner: current, source: 'constant-node', node } : undefined;
    }
  }
  return undefined;
}

/** Is this name an initializer that is also listed as a graph input (a default the caller may override)? */
export const isOverridableInitializer = (graph: GraphProto, name: string): boolean =>
  graph.initializer.some((tensor) => tensor.name === name) && graph.input.some((input) => input.name === name);

/** Removes a constant once nothing reads it; returns whether it was removed. */
export function removeIfUnused(ref: ConstantRef): boolean {
  const { graph } = ref.owner;
  if (countUses(graph, ref.name) > 0) return false;
  if (ref.source === 'initializer') graph.initializer = graph.initializer.filter((tensor) => tensor !== ref.tensor);
  else graph.node = graph.node.filter((node) => node !== ref.node);
  graph.valueInfo = graph.valueInfo.filter((info) => info.name !== ref.name);
  return true;
}
