/** Structured logging: JSON lines by default, and a guard so the device secret never reaches a log. */

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

/**
 * Wraps any logger (also a caller's partial one) so that the secret is scrubbed from messages
 * and top-level field values. The agent never logs the secret on purpose; this guards against
 * one leaking through an error message such as a URL with credentials.
 */
export function guardedLogger(logger: Partial<AgentLogger> | undefined, secret: string): AgentLogger {
  const base = logger ?? jsonLogger();
  const scrub = (text: string): string => (secret.length > 0 ? text.split(secret).join('[redacted]') : text);
  const scrubFields = (fields?: LogFields): LogFields | undefined => {
    if (!fields) return undefined;
    const out: LogFields = {};
    for (const [key, value] of Object.entries(fields)) {
      if (typeof value === 'string') out[key] = scrub(value);
      else if (value instanceof Error) out[key] = { name: value.name, message: scrub(value.message), ...('code' in value ? { code: value.code } : {}) };
      else out[key] = value;
    }
    return out;
  };
  const wrap = (level: Level) => (message: string, fields?: LogFields) => {
    const fn = base[level];
    if (fn) fn.call(base, scrub(message), scrubFields(fields));
  };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
