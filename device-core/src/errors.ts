/**
 * The device core's one error family: a protocol error code (the strings the hub, the console
 * and every device runtime share) and a message. The core's rules are pure, so nothing they
 * refuse gets better by trying again: unlike the agent's AgentError there is no `transient`.
 * Each runtime turns these into its own errors at its edge (the agent: toAgentError), keeping
 * code and message as they are.
 */
import type { ErrorCode } from '@edgefleet/protocol';

export class DeviceCoreError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeviceCoreError';
    this.code = code;
  }
}
