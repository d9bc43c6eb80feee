/**
 * A one-time secret written to a file instead of the terminal. The temp file is created before
 * the hub is asked, so a directory that cannot take it fails the command before the secret exists.
 */
import { atomicFile, type AtomicFile } from './files';
import { failed, usageError, type CliError } from './errors';

export interface SecretFile {
  /** writes `secret` and a newline, fsync, rename into place (mode 0600); on a failure the temp file is removed before the error is thrown */
  commit(secret: string): Promise<void>;
  abort(): Promise<void>;
}

/** The error's code (ENOSPC, EISDIR...) or its text: never more, so a secret in it cannot leak. */
const failureOf = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? String(error);

/**
 * The error when the hub issued a secret but its file could not be written: the hub keeps only a
 * hash and the secret was never printed, so nobody holds it; `issued` names what was issued and
 * `again` how to issue another. The secret itself is never part of it.
 */
export const lostSecret = (path: string, error: unknown, issued: string, again: string): CliError =>
  failed(`${issued}, but ${path} could not be written (${failureOf(error)}): the secret was not printed and the hub keeps only its hash, so nobody holds it. ${again}`);

/** `option` names the command's option in errors (--secret-file, --token-file). */
export async function prepareSecretFile(path: string, option: string): Promise<SecretFile> {
  let file: AtomicFile;
  try {
    file = await atomicFile(path, 0o600);
  } catch (error) {
    throw usageError(`${option}: cannot write next to ${path}: ${failureOf(error)}`);
  }
  return {
    async commit(secret) {
      try {
        await file.write(Buffer.from(`${secret}\n`, 'utf8'));
        await file.commit();
      } catch (error) {
        // The temp file may hold the whole secret: it must not outlive the failure.
        await file.abort();
        throw error;
      }
    },
    abort: () => file.abort(),
  };
}

/**
 * Runs `call` (which returns the secret) with the file prepared; the file is removed if the call
 * fails. When the file cannot take the secret, `lost` says what was issued and how to issue another.
 */
export async function withSecretFile<T extends { secret: string }>(path: string | undefined, option: string, call: () => Promise<T>, lost: (result: T) => { issued: string; again: string }): Promise<T> {
  if (path === undefined) return call();
  const file = await prepareSecretFile(path, option);
  let result: T;
  try {
    result = await call();
  } catch (error) {
    await file.abort();
    throw error;
  }
  try {
    await file.commit(result.secret);
  } catch (error) {
    const { issued, again } = lost(result);
    throw lostSecret(path, error, issued, again);
  }
  return result;
}
