/**
 * Node rewrites that carry an op from an older default-domain opset (7 and later) to the
 * semantics it has at opset 13, for the ops whose attributes became inputs or whose meaning
 * changed on the way (ONNX Changelog; onnx's own version_converter does the same adapters):
 *   Clip < 11: min/max attributes -> inputs          Slice < 10: starts/ends/axes -> inputs
 *   Softmax, LogSoftmax, Hardmax < 13: `axis` meant "flatten to 2-D at axis"; at 13 it is one axis
 *   Upsample (gone at 10) and Resize-10 -> Resize-13 (asymmetric coordinates, floor for nearest)
 *   BatchNormalization 7-8: `spatial` dropped (only spatial = 1 is convertible); training outputs
 *   Dropout: inference identity                       Pad < 11: pads/value -> inputs
 *   Squeeze/Unsqueeze/ReduceSum/Split < 13: axes/split attribute -> input   TopK < 10: k -> input
 * A rewrite never mutates the model: it returns the nodes that replace the old one and the
 * constants they read, or why it cannot (opset-upgrade.ts applies all or nothing).
 */
import { AttributeProto_AttributeType, type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto } from 'onnx-buf';
import { countUses, type Scope } from './graph-scope';
import type { NameAllocator } from './name-allocator';
import { intAttribute, makeNode } from './node-factory';
import { floatTensor, int64Tensor } from './tensor-data';
import { create } from '@bufbuild/protobuf';
import { AttributeProtoSchema } from 'onnx-buf';

export type RewriteResult = { ok: true; nodes: NodeProto[]; initializers: TensorProto[] } | { ok: false; reason: string };

export interface RewriteContext {
  scope: Scope;
  names: NameAllocator;
  /** The model's default opset before the upgrade. */
  from: number;
}

export interface OpRewrite {
  /** The latest opset version whose change this rewrite absorbs. */
  through: number;
  rewrite(node: NodeProto, ctx: RewriteContext): RewriteResult;
}

const attributeOf = (node: NodeProto, name: string): AttributeProto | undefined => node.attribute.find((a) => a.name === name);
const without = (node: NodeProto, ...names: string[]): AttributeProto[] => node.attribute.filter((a) => !names.includes(a.name));
const ints = (node: NodeProto, name: string): number[] | undefined => attributeOf(node, name)?.ints.map(Number);
const stringAttribute = (name: string, value: string): AttributeProto => create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.STRING, s: new TextEncoder().encode(value) });
const stringOf = (node: NodeProto, name: string, fallback: string): string => {
  const found = attributeOf(node, name);
  return found ? new TextDecoder().decode(found.s) : fallback;
};

/** A rebuilt node: same name, inputs and outputs as given, attributes as given. */
function rebuilt(node: NodeProto, input: string[], attribute: AttributeProto[], output: string[] = [...node.output]): NodeProto {
  return makeNode(node.opType, input, output, node.name, attribute);
}

/** Moves an ints attribute into an int64 input at `slot` (absent attribute: input omitted). */
function attributeToInput(node: NodeProto, ctx: RewriteContext, attribute: string, slot: number): RewriteResult {
  const values = ints(node, attribute);
  const input = [...node.input];
  const initializers: TensorProto[] = [];
  if (values !== undefined) {
    const name = ctx.names.fresh(`${node.name || node.opType}_${attribute}`);
    initializers.push(int64Tensor(name, [values.length], values));
    while (input.length < slot) input.push('');
    input[slot] = name;
  }
  return { ok: true, nodes: [rebuilt(node, input, without(node, attribute))], initializers };
}

/** Rank of a tensor when a graph input, output or value_info visible from the scope declares a shape. */
function declaredRank(scope: Scope, tensor: string): number | undefined {
  for (let current: Scope | undefined = scope; current; current = current.parent) {
    const infos: ValueInfoProto[] = [...current.graph.input, ...current.graph.output, ...current.graph.valueInfo];
    const info = infos.find((v) => v.name === tensor);
    const type = info?.type?.value;
    if (type?.case === 'tensorType' && type.value.shape) return type.value.shape.dim.length;
  }
  return undefined;
}

const clip: OpRewrite = {
  through: 11,
  rewrite(node, ctx) {
    // Opset 6-10 Clip is float-only, so float scalars are the right type for the new inputs.
    const initializers: TensorProto[] = [];
    const bound = (name: 'min' | 'max'): string => {
      const found = attributeOf(node, name);
      if (!found) return '';
      const tensor = ctx.names.fresh(`${node.name || 'Clip'}_${name}`);
      initializers.push(floatTensor(tensor, [], [found.f]));
      return tensor;
    };
    const input = [node.input[0] ?? '', bound('min'), bound('max')];
    while (input.length > 1 && input[input.length - 1] === '') input.pop();
    return { ok: true, nodes: [rebuilt(node, input, without(node, 'min', 'max'))], initializers };
  },
};

const slice: OpRewrite = {
  through: 10,
  rewrite(node, ctx) {
    const starts = ints(node, 'starts');
    const ends = ints(node, 'ends');
    if (!starts || !ends) return { ok: false, reason: 'Slice without starts/ends attributes' };
    const axes = ints(node, 'axes');
    const base = node.name || 'Slice';
    const names = { starts: ctx.names.fresh(`${base}_starts`), ends: ctx.names.fresh(`${base}_ends`), axes: axes ? ctx.names.fresh(`${base}_axes`) : '' };
    const initializers = [int64Tensor(names.starts, [starts.length], starts), int64Tensor(names.ends, [ends.length], ends), ...(axes ? [int64Tensor(names.axes, [axes.length], axes)] : [])];
    const input = [node.input[0] ?? '', names.starts, names.ends, ...(axes ? [names.axes] : [])];
    return { ok: true, nodes: [rebuilt(node, input, without(node, 'starts', 'ends', 'axes'))], initializers };
  },
};

/**
 * Before 13, softmax-like ops flattened X to 2-D at `axis` (default 1) and normalised each row;
 * at 13 they normalise along one axis (default -1). Equal when `axis` is the last axis; otherwise
 * the old meaning is spelt out: Flatten(axis) -> op(axis 1) -> Reshape back to Shape(X).
 */
const softmaxLike: OpRewrite = {
  through: 13,
  rewrite(node, ctx) {
    const axis = Number(attributeOf(node, 'axis')?.i ?? 1n);
    const [x = ''] = node.input;
    const [y = ''] = node.output;
    const rank = declaredRank(ctx.scope, x) ?? declaredRank(ctx.scope, y);
    if (axis === -1 || (rank !== undefined && (axis === rank - 1 || axis === -1))) {
      return { ok: true, nodes: [rebuilt(node, [x], [...without(node, 'axis'), intAttribute('axis', -1)])], initializers: [] };
    }
    const base = node.name || node.opType;
    const shape = ctx.names.fresh(`${base}_input_shape`);
    const flat = ctx.names.fresh(`${base}_flattened`);
    const normalised = ctx.names.fresh(`${base}_2d`);
    return {
      ok: true,
      nodes: [
        makeNode('Shape', [x], [shape], ctx.names.fresh(`${base}_Shape`)),
        makeNode('Flatten', [x], [flat], ctx.names.fresh(`${base}_Flatten`), [intAttribute('axis', axis)]),
        makeNode(node.opType, [flat], [normalised], node.name, [intAttribute('axis', 1)]),
        makeNode('Reshape', [normalised, shape], [y], ctx.names.fresh(`${base}_Reshape`)),
      ],
      initializers: [],
    };
  },
};

/** Upsample (7: scales attribute, 9: scales input) and Resize-10 both mean asymmetric coordinates and floor rounding. */
const toResize: OpRewrite = {
  through: 13,
  rewrite(node, ctx) {
    const mode = stringOf(node, 'mode', 'nearest');
    if (mode !== 'nearest' && mode !== 'linear') return { ok: false, reason: `${node.opType} mode ${JSON.stringify(mode)} has no Resize equivalent` };
    const initializers: TensorProto[] = [];
    let scales = node.input[1] ?? '';
    const scaleAttribute = attributeOf(node, 'scales');
    if (scaleAttribute) {
      scales = ctx.names.fresh(`${node.name || node.opType}_scales`);
      initializers.push(floatTensor(scales, [scaleAttribute.floats.length], scaleAttribute.floats));
    }
    if (scales === '') return { ok: false, reason: `${node.opType} without scales` };
    const attribute = [stringAttribute('mode', mode), stringAttribute('coordinate_transformation_mode', 'asymmetric'), ...(mode === 'nearest' ? [stringAttribute('nearest_mode', 'floor')] : [])];
    return { ok: true, nodes: [makeNode('Resize', [node.input[0] ?? '', '', scales], [...node.output], node.name, attribute)], initializers };
  },
};

const batchNormalization: OpRewrite = {
  through: 9,
  rewrite(node, ctx) {
    if (ctx.from < 7) return { ok: false, reason: 'BatchNormalization before opset 7 (is_test, consumed_inputs)' };
    const spatial = attributeOf(node, 'spatial');
    if (spatial && spatial.i !== 1n) return { ok: false, reason: 'BatchNormalization with spatial = 0 (per-element statistics) has no opset-9 form' };
    const extra = node.output.slice(1).filter((name) => name !== '' && countUses(ctx.scope.graph, name) > 0);
    if (extra.length > 0) return { ok: false, reason: `BatchNormalization training outputs are read (${extra.join(', ')})` };
    return { ok: true, nodes: [rebuilt(node, [...node.input], without(node, 'spatial'), node.output.slice(0, 1))], initializers: [] };
  },
};

const dropout: OpRewrite = {
  through: 13,
  rewrite(node, ctx) {
    const mask = node.output[1] ?? '';
    if (mask !== '' && countUses(ctx.scope.graph, mask) > 0) return { ok: false, reason: 'Dropout mask output is read' };
    // At inference Dropout passes X through at every opset; Identity says so without the attribute churn.
    return { ok: true, nodes: [makeNode('Identity', [node.input[0] ?? ''], [node.output[0] ?? ''], node.name)], initializers: [] };
  },
};

const pad: OpRewrite = {
  through: 11,
  rewrite(node, ctx) {
    const pads = ints(node, 'pads');
    if (!pads) return { ok: false, reason: 'Pad without pads attribute' };
    const base = node.name || 'Pad';
    const padsName = ctx.names.fresh(`${base}_pads`);
    const value = attributeOf(node, 'value');
    const valueName = value ? ctx.names.fresh(`${base}_value`) : '';
    const initializers = [int64Tensor(padsName, [pads.length], pads), ...(value ? [floatTensor(valueName, [], [value.f])] : [])];
    return { ok: true, nodes: [rebuilt(node, [node.input[0] ?? '', padsName, ...(value ? [valueName] : [])], without(node, 'pads', 'value'))], initializers };
  },
};

const topK: OpRewrite = {
  through: 10,
  rewrite(node, ctx) {
    const k = attributeOf(node, 'k');
    if (!k) return { ok: false, reason: 'TopK without k attribute' };
    const name = ctx.names.fresh(`${node.name || 'TopK'}_k`);
    return { ok: true, nodes: [rebuilt(node, [node.input[0] ?? '', name], without(node, 'k'))], initializers: [int64Tensor(name, [1], [Number(k.i)])] };
  },
};

const axesToInput = (slot: number, attribute = 'axes'): OpRewrite => ({ through: 13, rewrite: (node, ctx) => attributeToInput(node, ctx, attribute, slot) });

/** By op type: how to bring a node to opset 13 semantics. */
export const OPSET_REWRITES: Readonly<Record<string, OpRewrite>> = {
  Clip: clip,
  Slice: slice,
  Softmax: softmaxLike,
  LogSoftmax: softmaxLike,
  Hardmax: softmaxLike,
  Upsample: toResize,
  Resize: { through: 11, rewrite: toResize.rewrite },
  BatchNormalization: batchNormalization,
  Dropout: dropout,
  Pad: pad,
  TopK: topK,
  Squeeze: axesToInput(1),
  Unsqueeze: axesToInput(1),
  ReduceSum: axesToInput(1),
  Split: axesToInput(1, 'split'),
};
