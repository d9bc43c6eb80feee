/**
 * The runtime's one logger: the page's, or silence. Every line passes through `guardedLogger`,
 * which blanks the device secret wherever it appears, so no log line can carry it (STYLE: secrets
 * never appear in logs).
 */
import type { WebLogger } from './api';

export const silentLogger: WebLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

export function guardedLogger(logger: WebLogger, secret: () => string | null): WebLogger {
  const scrub = (value: unknown): unknown => {
    const current = secret();
    if (!current) return value;
    if (typeof value === 'string') return value.split(current).join('[secret]');
    if (value instanceof Error) return scrub(`${value.name}: ${value.message}`);
    if (value && typeof value === 'object') return JSON.parse(JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'string' || inner instanceof Error ? scrub(inner) : inner))) as unknown;
    return value;
  };
  const wrap = (write: WebLogger['info']): WebLogger['info'] => (message, fields) => write(scrub(message) as string, fields && (scrub(fields) as Record<string, unknown>));
  return { debug: wrap(logger.debug), info: wrap(logger.info), warn: wrap(logger.warn), error: wrap(logger.error) };
}
