/** Fresh tensor and node names that collide with nothing anywhere in the model (subgraphs included). */
import type { ModelProto } from 'onnx-buf';
import { collectScopes } from './graph-scope';

export interface NameAllocator {
  /** `base` itself when free, else `base_1`, `base_2`, ...; the result is reserved. */
  fresh(base: string): string;
}

export function nameAllocator(model: ModelProto): NameAllocator {
  const taken = new Set<string>();
  for (const { graph } of collectScopes(model)) {
    for (const value of [...graph.input, ...graph.output, ...graph.valueInfo]) taken.add(value.name);
    for (const tensor of graph.initializer) taken.add(tensor.name);
    for (const node of graph.node) {
      taken.add(node.name);
      for (const name of [...node.input, ...node.output]) taken.add(name);
    }
  }
  return {
    fresh(base) {
      let candidate = base;
      for (let i = 1; taken.has(candidate); i++) candidate = `${base}_${i}`;
      taken.add(candidate);
      return candidate;
    },
  };
}
