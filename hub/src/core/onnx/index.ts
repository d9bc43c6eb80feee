/** The public face of core/onnx: write, read and export ONNX models in pure TypeScript. */
export { attr, makeAttribute, type Attr } from './attribute';
export { DEFAULT_OPSET, GraphBuilder, ML_DOMAIN, decodeModel, encodeModel, irVersionForOpset, makeValueInfo, type Dim, type ModelMeta, type NodeOptions } from './builder';
export { DEFAULT_TOLERANCE, compareOutputs, type CompareResult, type OutputValues, type Tolerance } from './compare';
export { encodeFeatures } from './encode';
export { FEATURES_METADATA_KEY, HEAD_METADATA_KEY, buildNetworkModel, exportNetwork, type ExportMeta } from './export-network';
export { CATEGORICAL_INPUT, NUMERIC_INPUT } from './export-preprocess';
export { predictNetwork, type NetworkOutputs } from './forward';
export { checkNetwork, headInputs } from './network-check';
export { defaultOpset, findInitializer, initializerMap, metadataOf, opsetOf, readFloat32, subgraphsOf, tensorDims, tensorSize, walkGraphs, walkNodes, type NodeVisit } from './read';
export { ELEMENT_TYPE_CODES, floats, int64s, makeTensor, rawLittleEndian, strings, type ElementType, type TensorData } from './tensor';
