/**
 * Finds hard-swish written out as elementwise ops, x * clip(x + 3, 0, 6) / 6 (how paddle2onnx,
 * older PyTorch and TF exporters emit it below opset 14), and replaces each with one HardSwish
 * node (opset 14). onnxruntime runs the four-op form as four passes over the tensor; on
 * PaddleOCR's MobileNetV3 classifier they were about half of fp32's time, and the fused op makes
 * the same float model about 1.5x faster with outputs equal to within 1e-6.
 *
 * Accepted shapes of the pattern (c3, c6, c0 are scalar constants; Mul and Add either operand order):
 *   a = Add(x, 3); b = Clip(a, 0, 6); m = Mul(x, b); y = Div(m, 6) | Mul(m, 1/6)
 * a, b and m must have no other reader (and not be graph outputs), so removing them changes
 * nothing else. Pure: mutates the graph given and returns how many it fused.
 */
import type { GraphProto, ModelProto, NodeProto } from 'onnx-buf';
import { collectScopes, countUses, resolveConstant, type Scope } from './graph-scope';
import { ensureOpset } from './opset-upgrade';
import type { NameAllocator } from './name-allocator';
import { makeNode } from './node-factory';
import { readFloats } from './tensor-data';

const TOLERANCE = 1e-5;

function scalarOf(scope: Scope, name: string): number | undefined {
  const constant = resolveConstant(scope, name);
  if (!constant) return undefined;
  const values = readFloats(constant.tensor);
  return values?.length === 1 ? values[0] : undefined;
}

const near = (value: number | undefined, expected: number): boolean => value !== undefined && Math.abs(value - expected) <= TOLERANCE * Math.max(1, Math.abs(expected));

/** The one node of the graph that reads `name`, when it is read exactly once and is not a graph output. */
function soleReader(graph: GraphProto, name: string, readers: Map<string, NodeProto[]>): NodeProto | undefined {
  const found = readers.get(name);
  return found?.length === 1 && countUses(graph, name) === 1 ? found[0] : undefined;
}

/** `node`'s other input when one of its two inputs is `known`. */
function otherInput(node: NodeProto, known: string): string | undefined {
  if (node.input.length !== 2) return undefined;
  if (node.input[0] === known) return node.input[1];
  if (node.input[1] === known) return node.input[0];
  return undefined;
}

interface Match {
  x: string;
  nodes: NodeProto[];
  output: string;
}

function matchAt(add: NodeProto, scope: Scope, readers: Map<string, NodeProto[]>): Match | undefined {
  const { graph } = scope;
  if (add.opType !== 'Add' || add.domain !== '' || add.input.length !== 2) return undefined;
  const threeSlot = add.input.findIndex((name) => near(scalarOf(scope, name), 3));
  if (threeSlot < 0) return undefined;
  const x = add.input[1 - threeSlot] ?? '';
  const added = add.output[0] ?? '';
  const clip = soleReader(graph, added, readers);
  if (clip?.opType !== 'Clip' || clip.domain !== '' || clip.input[0] !== added) return undefined;
  if (!near(scalarOf(scope, clip.input[1] ?? ''), 0) || !near(scalarOf(scope, clip.input[2] ?? ''), 6)) return undefined;
  const clipped = clip.output[0] ?? '';
  const mul = soleReader(graph, clipped, readers);
  if (mul?.opType !== 'Mul' || mul.domain !== '' || otherInput(mul, clipped) !== x) return undefined;
  const product = mul.output[0] ?? '';
  const scale = soleReader(graph, product, readers);
  if (scale === undefined || scale.domain !== '') return undefined;
  const divisor = otherInput(scale, product);
  if (divisor === undefined) return undefined;
  const byDiv = scale.opType === 'Div' && scale.input[0] === product && near(scalarOf(scope, divisor), 6);
  const byMul = scale.opType === 'Mul' && near(scalarOf(scope, divisor), 1 / 6);
  if (!byDiv && !byMul) return undefined;
  return { x, nodes: [add, clip, mul, scale], output: scale.output[0] ?? '' };
}

/** The opset that introduced HardSwish. */
export const HARD_SWISH_OPSET = 14;

function readersOf(graph: GraphProto): Map<string, NodeProto[]> {
  const readers = new Map<string, NodeProto[]>();
  for (const node of graph.node) {
    for (const input of node.input) {
      const list = readers.get(input);
      if (list) list.push(node);
      else readers.set(input, [node]);
    }
  }
  return readers;
}

/** How many written-out hard-swishes the graph of `scope` holds (nothing is changed). */
export function countHardSwish(scope: Scope): number {
  const readers = readersOf(scope.graph);
  return scope.graph.node.filter((node) => matchAt(node, scope, readers) !== undefined).length;
}

/** Fuses every match in the graph of `scope`; needs default opset >= 14 (the caller raises it). */
export function fuseHardSwish(scope: Scope, names: NameAllocator): number {
  const { graph } = scope;
  const readers = readersOf(graph);
  const replaced = new Map<NodeProto, NodeProto | null>();
  for (const node of graph.node) {
    if (replaced.has(node)) continue;
    const match = matchAt(node, scope, readers);
    if (!match || match.nodes.some((n) => replaced.has(n))) continue;
    const last = match.nodes[match.nodes.length - 1] as NodeProto;
    for (const n of match.nodes) replaced.set(n, null);
    replaced.set(last, makeNode('HardSwish', [match.x], [match.output], names.fresh(`${match.output}_HardSwish`)));
  }
  if (replaced.size === 0) return 0;
  graph.node = graph.node.flatMap((node) => {
    if (!replaced.has(node)) return [node];
    const replacement = replaced.get(node);
    return replacement ? [replacement] : [];
  });
  return [...replaced.values()].filter((node) => node !== null).length;
}

/**
 * Fuses the main graph's written-out hard-swishes, raising the default opset to 14 first, only
 * when there is one to fuse and the raise is safe. Expects Clip in its opset-11+ form (bounds as
 * inputs): run it on a model already raised to 13, as static preparation does. Mutates `model`; returns how many it fused and
 * the opset after (undefined when it left the model alone).
 */
export function fuseHardSwishInModel(model: ModelProto, names: NameAllocator): { fused: number; opset?: { after: number; upgraded: boolean } } {
  const main = collectScopes(model)[0];
  if (!main || countHardSwish(main) === 0) return { fused: 0 };
  const raised = ensureOpset(model, HARD_SWISH_OPSET, 'HardSwish');
  if (!raised.ok) return { fused: 0 };
  return { fused: fuseHardSwish(main, names), opset: { after: raised.after, upgraded: raised.upgraded } };
}
