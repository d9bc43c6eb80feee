/**
 * Node attributes as a tagged union, so an integer-valued float (alpha = 1) is never mistaken for
 * an int: ONNX checks attribute types strictly and rejects the model otherwise.
 */
import { create } from '@bufbuild/protobuf';
import { AttributeProtoSchema, AttributeProto_AttributeType, type AttributeProto, type GraphProto, type TensorProto } from 'onnx-buf';

export type Attr =
  | { kind: 'int'; value: number | bigint }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: ReadonlyArray<number | bigint> }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'string'; value: string }
  | { kind: 'strings'; value: readonly string[] }
  | { kind: 'tensor'; value: TensorProto }
  | { kind: 'graph'; value: GraphProto };

export const attr = {
  int: (value: number | bigint): Attr => ({ kind: 'int', value }),
  float: (value: number): Attr => ({ kind: 'float', value }),
  ints: (value: ReadonlyArray<number | bigint>): Attr => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): Attr => ({ kind: 'floats', value }),
  string: (value: string): Attr => ({ kind: 'string', value }),
  strings: (value: readonly string[]): Attr => ({ kind: 'strings', value }),
  tensor: (value: TensorProto): Attr => ({ kind: 'tensor', value }),
  graph: (value: GraphProto): Attr => ({ kind: 'graph', value }),
};

const utf8 = new TextEncoder();
const T = AttributeProto_AttributeType;

export function makeAttribute(name: string, a: Attr): AttributeProto {
  switch (a.kind) {
    case 'int':
      return create(AttributeProtoSchema, { name, type: T.INT, i: BigInt(a.value) });
    case 'float':
      return create(AttributeProtoSchema, { name, type: T.FLOAT, f: a.value });
    case 'ints':
      return create(AttributeProtoSchema, { name, type: T.INTS, ints: a.value.map((v) => BigInt(v)) });
    case 'floats':
      return create(AttributeProtoSchema, { name, type: T.FLOATS, floats: [...a.value] });
    case 'string':
      return create(AttributeProtoSchema, { name, type: T.STRING, s: utf8.encode(a.value) });
    case 'strings':
      return create(AttributeProtoSchema, { name, type: T.STRINGS, strings: a.value.map((s) => utf8.encode(s)) });
    case 'tensor':
      return create(AttributeProtoSchema, { name, type: T.TENSOR, t: a.value });
    case 'graph':
      return create(AttributeProtoSchema, { name, type: T.GRAPH, g: a.value });
  }
}
