/**
 * @edgefleet/device-core: the pure rules every edgefleet device runtime applies, shared by the
 * Node agent (agent/) and the browser runtime (web-runtime/), so a fix lands in both at once:
 * which deployment docs and release manifests a device accepts and which model bytes it runs,
 * the trust chain (pinning on first use, rotation), the install plan, what statistics windows
 * count and when they close, shadow comparison, how outputs are read row by row, and prediction
 * ids.
 *
 * It must stay browser-safe: no node: builtins, no mqtt, onnxruntime-node or hono, nothing that
 * does I/O (files, sockets, timers of its own). What needs the platform arrives as a parameter
 * (a manifest fetch, a clock, a random source) or goes through WebCrypto via @edgefleet/protocol.
 * test/browser-safe.test.ts bundles this entry for the browser and fails on any Node-only input.
 */
export * from './errors';

export * from './deployment/deployment-acceptance';
export * from './deployment/held-releases';
export * from './deployment/model-bytes';
export * from './deployment/deployment-docs';
export * from './deployment/traffic-share';

export * from './trust/trust-state';
export * from './trust/trust-updates';
export * from './trust/trust-walk';
export * from './trust/trust-follower';

export * from './state/device-state';
export * from './state/device-ledger';
export * from './reconcile/plan';
export * from './reconcile/probe-check';
export * from './reconcile/reconcile-loop';
export * from './reconcile/give-up';
export * from './reconcile/install-attempts';
export * from './runtime/ports';
export * from './runtime/secret-guard';
export * from './retry/backoff';

export * from './model-checks/onnx-scan';

export * from './tensors/typed-tensor';
export * from './tensors/input-check';
export * from './tensors/output-reader';
export * from './predictions/prediction-summary';
export * from './predictions/traffic-split';

export * from './statistics/bin-counter';
export * from './statistics/ood-threshold';
export * from './statistics/msg-id';
export * from './statistics/stats-accumulator';
export * from './statistics/stats-windows';
export * from './statistics/split-windows';

export * from './shadow/shadow-compare';
export * from './shadow/shadow-queue';
export * from './shadow/shadow-stats';
