/**
 * Calibration needs intermediate activations, which onnxruntime only returns for graph outputs:
 * this adds the requested main-graph tensors as extra outputs (float tensors, shape left open).
 * Names that are already inputs/outputs need nothing; names produced only inside subgraphs are
 * refused (ONNX scoping: an If/Loop body's values never reach the outer graph).
 */
import { create } from '@bufbuild/protobuf';
import { TensorProto_DataType, ValueInfoProtoSchema, type ModelProto } from 'onnx-buf';
import { collectScopes, mainGraph } from './graph-scope';

export interface Exposure {
  /** Added as new graph outputs. */
  added: string[];
  /** Readable without change (graph inputs and existing outputs). */
  alreadyVisible: string[];
  /** Produced inside a subgraph, or nowhere. */
  unexposable: Array<{ tensor: string; reason: string }>;
}

/** Mutates `model`; exposes only what the main graph itself computes. */
export function exposeTensors(model: ModelProto, names: readonly string[]): Exposure {
  const graph = mainGraph(model);
  const exposure: Exposure = { added: [], alreadyVisible: [], unexposable: [] };
  const produced = new Set(graph.node.flatMap((node) => node.output));
  const visible = new Set([...graph.input.map((v) => v.name), ...graph.output.map((v) => v.name)]);
  const inSubgraph = new Set(collectScopes(model).slice(1).flatMap((scope) => scope.graph.node.flatMap((node) => node.output)));
  for (const name of new Set(names)) {
    if (visible.has(name)) exposure.alreadyVisible.push(name);
    else if (produced.has(name)) {
      const known = graph.valueInfo.find((info) => info.name === name);
      const type = known?.type ?? { value: { case: 'tensorType' as const, value: { elemType: TensorProto_DataType.FLOAT } } };
      graph.output.push(create(ValueInfoProtoSchema, { name, type }));
      exposure.added.push(name);
    } else if (inSubgraph.has(name)) exposure.unexposable.push({ tensor: name, reason: 'computed inside an If/Loop/Scan body' });
    else exposure.unexposable.push({ tensor: name, reason: 'not produced by any node of the main graph' });
  }
  return exposure;
}
