/**
 * The agent's one error family: a protocol error code (the same strings the hub and console
 * show) or one of the agent-only codes below, whether retrying can help, and the cause.
 * Executors throw it; the loop decides from `transient` whether to back off and retry or to give
 * up and report.
 */
import { DeviceCoreError } from '@edgefleet/device-core';
import { ProtocolError, type ErrorCode } from '@edgefleet/protocol';

/**
 * Codes that never reach the hub: the hub refusing this device's id and secret (it cannot hear
 * the device then anyway), the broker out of reach, the hub's TLS certificate not trusted, and a
 * configuration the agent cannot start with.
 */
export type LocalErrorCode = 'E_CREDENTIALS_REJECTED' | 'E_BROKER_UNREACHABLE' | 'E_TLS_UNTRUSTED' | 'E_CONFIG';
export type AgentErrorCode = ErrorCode | LocalErrorCode;

export class AgentError extends Error {
  readonly code: AgentErrorCode;
  /** true when the same attempt may succeed later (network, slow server, resumable partial) */
  readonly transient: boolean;

  constructor(code: AgentErrorCode, message: string, options: { transient?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AgentError';
    this.code = code;
    this.transient = options.transient ?? false;
  }
}

/** Normalises anything thrown into an AgentError; unknown errors get `fallback` and keep their cause. */
export function toAgentError(error: unknown, fallback: ErrorCode, context?: string): AgentError {
  const prefix = context ? `${context}: ` : '';
  if (error instanceof AgentError) {
    return context ? new AgentError(error.code, prefix + error.message, { transient: error.transient, cause: error }) : error;
  }
  // The device core's and the protocol's refusals keep their code and message (never transient: pure rules).
  if (error instanceof DeviceCoreError || error instanceof ProtocolError) return new AgentError(error.code, prefix + error.message, { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new AgentError(fallback, prefix + message, { cause: error });
}

const LOCAL_CODES: ReadonlySet<AgentErrorCode> = new Set<LocalErrorCode>(['E_CREDENTIALS_REJECTED', 'E_BROKER_UNREACHABLE', 'E_TLS_UNTRUSTED', 'E_CONFIG']);
const isLocalCode = (code: AgentErrorCode): code is LocalErrorCode => LOCAL_CODES.has(code);

/**
 * What goes into reported state, events and statistics: a protocol code (a refused download
 * credential is a failed download to the hub) and a message capped by the protocol schema.
 */
export const reportable = (error: AgentError): { code: ErrorCode; message: string } => ({
  code: protocolCode(error.code),
  message: error.message.slice(0, 2000),
});

export const protocolCode = (code: AgentErrorCode): ErrorCode => (isLocalCode(code) ? 'E_DOWNLOAD_FAILED' : code);
