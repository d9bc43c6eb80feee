/** int8 quantization of ONNX models (pure: bytes in, bytes + report out). */
export { quantizeDynamic, type DynamicOptions } from './quantize-dynamic';
export { quantizeStatic, type StaticOptions } from './quantize-static';
export { quantizeWeightsOnly, type WeightsOnlyOptions } from './quantize-weights-only';
export { rangesFrom, type CalibrationMethod, type CalibrationRanges } from './calibrate';
export { calibrationTargets, type CalibrationTargets } from './calibration-targets';
export { exposeTensors, type Exposure } from './expose-tensors';
export { QuantizeError, type QuantizeErrorCode } from './quantize-error';
export type { QuantizeReport, QuantizeResult, Skipped, WeightStat, ActivationStat } from './quantize-report';
