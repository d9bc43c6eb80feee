/** Bytes <-> ModelProto at the quantizer's edge, with the refusal for what is not a model. */
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, type ModelProto } from 'onnx-buf';
import { QuantizeError } from './quantize-error';

export function decodeModel(bytes: Uint8Array): ModelProto {
  let model: ModelProto;
  try {
    model = fromBinary(ModelProtoSchema, bytes);
  } catch (error) {
    throw new QuantizeError('E_INVALID_MODEL', `not an ONNX model: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (!model.graph) throw new QuantizeError('E_INVALID_MODEL', 'the ONNX model has no graph');
  return model;
}

export const encodeModel = (model: ModelProto): Uint8Array => toBinary(ModelProtoSchema, model);
