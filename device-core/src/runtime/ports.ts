/**
 * What the device core's runners need from the runtime that hosts them (the Node agent, the
 * browser runtime): a logger, the runtime's own error type, and time. The core owns no timer:
 * waiting and scheduling come in here, so tests drive them and each platform uses its own.
 */
import type { ErrorCode, ReportedError } from '@edgefleet/protocol';

export interface CoreLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A runtime's error: a code, and whether the same attempt may succeed later (network, slow server). */
export interface RuntimeFailure extends Error {
  readonly code: string;
  readonly transient: boolean;
}

export interface RuntimeErrors<E extends RuntimeFailure> {
  /** anything thrown as the runtime's error; the core's and protocol's refusals keep code and message */
  toError(thrown: unknown, fallback: ErrorCode, context?: string): E;
  /** what goes into reported state and events (a protocol code, a capped message) */
  reportable(error: E): ReportedError;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;
/** Runs `fn` once after `ms`; returns the function that cancels it. */
export type ScheduleOnce = (fn: () => void, ms: number) => () => void;
