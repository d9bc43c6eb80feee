/**
 * The browser runtime's one error family: a protocol error code where the hub should see it
 * (reported state and events carry the same strings as an agent's), or one of the page-only codes
 * below; whether trying again can help; the cause.
 */
import { DeviceCoreError } from '@edgefleet/device-core';
import { ProtocolError, type ErrorCode } from '@edgefleet/protocol';

/** Codes that never leave the page: enrolment, the browser's own storage, another tab holding the device. */
export type PageErrorCode = 'E_ENROLMENT_REFUSED' | 'E_STORAGE' | 'E_DEVICE_IN_USE';
export type WebErrorCode = ErrorCode | PageErrorCode;

export class WebRuntimeError extends Error {
  readonly code: WebErrorCode;
  readonly transient: boolean;

  constructor(code: WebErrorCode, message: string, options: { transient?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WebRuntimeError';
    this.code = code;
    this.transient = options.transient ?? false;
  }
}

/** Anything thrown as a WebRuntimeError; the core's and the protocol's refusals keep code and message. */
export function toWebError(error: unknown, fallback: ErrorCode, context?: string): WebRuntimeError {
  const prefix = context ? `${context}: ` : '';
  if (error instanceof WebRuntimeError) return context ? new WebRuntimeError(error.code, prefix + error.message, { transient: error.transient, cause: error }) : error;
  if (error instanceof DeviceCoreError || error instanceof ProtocolError) return new WebRuntimeError(error.code, prefix + error.message, { cause: error });
  return new WebRuntimeError(fallback, prefix + (error instanceof Error ? error.message : String(error)), { cause: error });
}

/** What goes into reported state and events: a protocol code (page-only codes never do) and a capped message. */
export function reportable(error: WebRuntimeError): { code: ErrorCode; message: string } {
  const code: ErrorCode = isPageCode(error.code) ? 'E_TRUST_STATE' : error.code;
  return { code, message: error.message.slice(0, 2000) };
}

const PAGE_CODES: ReadonlySet<WebErrorCode> = new Set<PageErrorCode>(['E_ENROLMENT_REFUSED', 'E_STORAGE', 'E_DEVICE_IN_USE']);
const isPageCode = (code: WebErrorCode): code is PageErrorCode => PAGE_CODES.has(code);
