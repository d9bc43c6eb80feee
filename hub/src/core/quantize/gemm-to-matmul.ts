/**
 * Gemm with a constant B becomes MatMul + Add so the MatMul quantizers see it (ML.md: the
 * reference tool leaves Gemm alone). Y = alpha * A * op(B) + beta * C is rewritten as
 * MatMul(A, alpha * op(B)) + beta * C with both constants folded; transB is folded by
 * transposing the weight, so the new MatMul weight is [K, N] like any MatMul weight.
 */
import type { NodeProto } from 'onnx-buf';
import { countUses, removeIfUnused, resolveConstant, type Scope } from './graph-scope';
import type { NameAllocator } from './name-allocator';
import { floatAttributeOf, intAttributeOf, makeNode } from './node-factory';
import type { Skipped } from './quantize-report';
import { dimsOf, floatTensor, readFloats } from './tensor-data';

export type GemmRewrite = { ok: true; nodes: NodeProto[]; matmul: NodeProto } | { ok: false; skipped: Skipped };

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] ?? 0;
  return out;
}

/** Only rewrites Gemm nodes whose B is a constant float matrix; anything else is explained, not changed. */
export function gemmToMatMul(node: NodeProto, scope: Scope, names: NameAllocator): GemmRewrite {
  const [a = '', b = '', c = ''] = node.input;
  const what = node.name || 'Gemm';
  const skip = (reason: string): GemmRewrite => ({ ok: false, skipped: { what, opType: 'Gemm', graph: scope.path, reason } });
  if (intAttributeOf(node, 'transA', 0) !== 0) return skip('transA = 1 (A would need a Transpose at run time)');
  const weight = resolveConstant(scope, b);
  const data = weight ? readFloats(weight.tensor) : undefined;
  if (!weight || !data || weight.tensor.dims.length !== 2) return skip('B is not a constant float matrix');
  const alpha = floatAttributeOf(node, 'alpha', 1);
  const beta = floatAttributeOf(node, 'beta', 1);
  const transB = intAttributeOf(node, 'transB', 0) !== 0;
  const bias = c === '' ? undefined : resolveConstant(scope, c);
  const biasData = bias ? readFloats(bias.tensor) : undefined;
  if (c !== '' && beta !== 1 && !biasData) return skip('C is computed at run time and beta != 1');

  const [rows = 0, cols = 0] = dimsOf(weight.tensor);
  let matrix = transB ? transpose(data, rows, cols) : data;
  if (alpha !== 1) matrix = matrix.map((value) => value * alpha);
  let weightName = b;
  if (transB || alpha !== 1) {
    weightName = names.fresh(`${b}_as_matmul`);
    weight.owner.graph.initializer.push(floatTensor(weightName, transB ? [cols, rows] : [rows, cols], matrix));
  }
  let biasName = c;
  if (bias && biasData && beta !== 1) {
    biasName = names.fresh(`${c}_scaled`);
    bias.owner.graph.initializer.push(floatTensor(biasName, dimsOf(bias.tensor), biasData.map((value) => value * beta)));
  }
  const output = node.output[0] ?? '';
  const matmulOut = c === '' ? output : names.fresh(`${output}_matmul`);
  const matmul = makeNode('MatMul', [a, weightName], [matmulOut], names.fresh(`${what}_MatMul`));
  const nodes = c === '' ? [matmul] : [matmul, makeNode('Add', [matmulOut, biasName], [output], names.fresh(`${what}_Add`))];
  return { ok: true, nodes, matmul };
}

/** After the graph was rewritten: drop the original B and C when the Gemm was their only reader. */
export function dropReplacedGemmConstants(scope: Scope, gemm: NodeProto): void {
  for (const name of gemm.input.slice(1)) {
    const ref = name === '' ? undefined : resolveConstant(scope, name);
    if (ref && countUses(ref.owner.graph, name) === 0) removeIfUnused(ref);
  }
}
