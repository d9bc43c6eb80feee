/** The agent's public face: start it in-process, or configure it from the environment. */
export { startAgent, type Agent, type PredictOptions } from './agent';
export { DEFAULT_TUNING, type AgentOptions, type AgentTuning } from './config';
export { agentOptionsFromEnv, type EnvOptions } from './adapters/env-files';
export type { AgentStatus } from '@edgefleet/device-core';
export type { HubLinkStatus, LocalStatus } from './hub-link';
export type { ModelDescription, TensorDescription } from './core/model-description';
export type { AgentLogger, LogFields } from './logger';
export { jsonLogger, silentLogger } from './logger';
export { AgentError, type AgentErrorCode } from './errors';
export { AGENT_VERSION } from './version';
