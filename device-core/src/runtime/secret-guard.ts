/**
 * A logger that can never print the device secret (STYLE: secrets never appear in logs): the
 * secret is blanked out of every message and of every top-level field (strings, and the message
 * of an Error, which is reduced to name, message and code). The runtimes never log it on purpose;
 * this guards against one leaking through an error text such as a URL with credentials. The
 * secret is read at each line, so a runtime that learns it later (a browser enrolling) is covered
 * from then on.
 */
import type { CoreLogger } from './ports';

type Fields = Record<string, unknown>;
const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export function secretGuardedLogger(logger: Partial<CoreLogger>, secret: () => string | null): CoreLogger {
  const scrub = (text: string): string => {
    const current = secret();
    return current ? text.split(current).join('[redacted]') : text;
  };
  const scrubFields = (fields?: Fields): Fields | undefined => {
    if (!fields) return undefined;
    const out: Fields = {};
    for (const [key, value] of Object.entries(fields)) {
      if (typeof value === 'string') out[key] = scrub(value);
      else if (value instanceof Error) out[key] = { name: value.name, message: scrub(value.message), ...('code' in value ? { code: value.code } : {}) };
      else out[key] = value;
    }
    return out;
  };
  const wrap = (level: (typeof LEVELS)[number]) => (message: string, fields?: Fields) => {
    const write = logger[level];
    if (write) write.call(logger, scrub(message), scrubFields(fields));
  };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
