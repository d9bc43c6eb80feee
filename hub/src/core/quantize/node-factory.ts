/** Small constructors for the NodeProto and AttributeProto messages the quantizer emits. */
import { create } from '@bufbuild/protobuf';
import { AttributeProtoSchema, AttributeProto_AttributeType, NodeProtoSchema, type AttributeProto, type NodeProto } from 'onnx-buf';

export const intAttribute = (name: string, value: number): AttributeProto =>
  create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(value) });

export function makeNode(opType: string, input: string[], output: string[], name: string, attribute: AttributeProto[] = []): NodeProto {
  return create(NodeProtoSchema, { opType, input, output, name, attribute });
}

export function intAttributeOf(node: NodeProto, name: string, fallback: number): number {
  const attribute = node.attribute.find((a) => a.name === name);
  return attribute ? Number(attribute.i) : fallback;
}

export function floatAttributeOf(node: NodeProto, name: string, fallback: number): number {
  const attribute = node.attribute.find((a) => a.name === name);
  return attribute ? attribute.f : fallback;
}
