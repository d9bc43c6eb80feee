/** The agent's public face: start it in-process, or configure it from the environment. */
export { startAgent, type Agent } from './agent';
export { agentOptionsFromEnv, DEFAULT_TUNING, type AgentOptions, type AgentTuning } from './config';
export type { AgentStatus } from '@edgefleet/device-core';
export type { AgentLogger, LogFields } from './logger';
export { jsonLogger, silentLogger } from './logger';
export { AgentError } from './errors';
