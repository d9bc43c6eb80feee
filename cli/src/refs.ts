/**
 * Ids as the tables show them: a unique prefix stands for the whole id (rollouts, training runs,
 * datasets), resolved against the list the hub gives.
 */
import { InvalidArgumentError } from 'commander';
import { CliError, EXIT, usageError } from './errors';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A UUID, or a prefix of one of at least 4 characters. */
export function uuidRefArg(value: string): string {
  const text = value.toLowerCase();
  if (!/^[0-9a-f][0-9a-f-]{3,35}$/.test(text)) throw new InvalidArgumentError(`${JSON.stringify(value)} is not an id (a UUID, or its first 4+ characters as lists show them).`);
  return text;
}

export const isFullUuid = (value: string): boolean => UUID_PATTERN.test(value);

/** The one id of `ids` starting with `prefix`; `what` names the kind in errors. Pure. */
export function resolvePrefix(prefix: string, ids: readonly string[], what: string): string {
  const matches = ids.filter((id) => id.startsWith(prefix));
  if (matches.length === 1 && matches[0] !== undefined) return matches[0];
  if (matches.length === 0) throw new CliError('E_NOT_FOUND', `no ${what} id starts with ${prefix}`, EXIT.notFound);
  throw usageError(`${prefix} names ${matches.length} ${what}s; give more of the id`, matches.slice(0, 10));
}
