/**
 * The agent's one error family: a protocol error code (the same strings the hub and console
 * show), whether retrying can help, and the cause. Executors throw it; the loop decides from
 * `transient` whether to back off and retry or to give up and report.
 */
import { DeviceCoreError } from '@edgefleet/device-core';
import { ProtocolError, type ErrorCode } from '@edgefleet/protocol';

export class AgentError extends Error {
  readonly code: ErrorCode;
  /** true when the same attempt may succeed later (network, slow server, resumable partial) */
  readonly transient: boolean;

  constructor(code: ErrorCode, message: string, options: { transient?: boolean; cause?: unknown } = {}) {
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

/** Reported messages are capped by the protocol schema (2000 chars). */
export const reportable = (error: AgentError): { code: ErrorCode; message: string } => ({
  code: error.code,
  message: error.message.slice(0, 2000),
});
