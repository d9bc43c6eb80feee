/** Pruning of hub-trained networks (pure: networks in, networks out; no I/O). */
export { networkFromOnnx } from './network-from-onnx';
export { structuredPrune, type PruneSample, type StructuredOptions, type StructuredResult } from './structured';
export { applyMasks, magnitudePrune, sparsityOf, type MagnitudeOptions, type MagnitudeResult } from './magnitude';
