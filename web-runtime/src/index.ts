/**
 * @edgefleet/web-runtime: signed edgefleet models in the browser. A page enrols once with an
 * operator's token, then follows its deployment like any device: every release manifest verified
 * with WebCrypto Ed25519 against the pinned trust chain, every model's exact bytes checked
 * (SHA-256, size) before onnxruntime-web gets them, the manifest's probe run before first use,
 * statistics windows reported over MQTT (stored in IndexedDB while offline). See docs/web-runtime.md.
 */
export { load, MAX_ARTIFACT_BYTES, WEB_RUNTIME_VERSION } from './device/load';
export { WebRuntimeError, type WebErrorCode, type PageErrorCode } from './errors';
export type { EdgeDevice, LoadOptions, PredictOptions, Verification, WebLogger, WebPrediction, WebRuntimeEvents, WebStatus, TypedTensor, DeviceEvent, ModelRef, ReportedState } from './api';
