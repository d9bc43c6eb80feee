/** Structured logging: JSON lines by default, and a guard so the device secret never reaches a log. */
import { secretGuardedLogger } from '@edgefleet/device-core';

export type LogFields = Record<string, unknown>;

export interface AgentLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/** One JSON object per line on `write` (stdout by default); `minLevel` filters chatter. */
export function jsonLogger(options: { write?: (line: string) => void; minLevel?: Level } = {}): AgentLogger {
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const min = LEVELS.indexOf(options.minLevel ?? 'info');
  const at = (level: Level) => (message: string, fields?: LogFields) => {
    if (LEVELS.indexOf(level) < min) return;
    write(JSON.stringify({ at: new Date().toISOString(), level, msg: message, ...fields }, errorReplacer));
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export const silentLogger: AgentLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, ...('code' in value ? { code: value.code } : {}) };
  return value;
}

/** Wraps any logger (also a caller's partial one) so that the secret never reaches a line (device-core secretGuardedLogger). */
export function guardedLogger(logger: Partial<AgentLogger> | undefined, secret: string): AgentLogger {
  return secretGuardedLogger(logger ?? jsonLogger(), () => secret);
}
