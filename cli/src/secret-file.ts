/**
 * A one-time secret written to a file instead of the terminal. The temp file is created before
 * the hub is asked, so a directory that cannot take it fails the command before the secret exists.
 */
import { atomicFile, type AtomicFile } from './files';
import { usageError } from './errors';

export interface SecretFile {
  /** writes `secret` and a newline, fsync, rename into place (mode 0600) */
  commit(secret: string): Promise<void>;
  abort(): Promise<void>;
}

export async function prepareSecretFile(path: string): Promise<SecretFile> {
  let file: AtomicFile;
  try {
    file = await atomicFile(path, 0o600);
  } catch (error) {
    throw usageError(`--secret-file: cannot write next to ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return {
    async commit(secret) {
      await file.write(Buffer.from(`${secret}\n`, 'utf8'));
      await file.commit();
    },
    abort: () => file.abort(),
  };
}

/** Runs `call` (which returns the secret) with the file prepared; the file is removed if the call fails. */
export async function withSecretFile<T extends { secret: string }>(path: string | undefined, call: () => Promise<T>): Promise<T> {
  if (path === undefined) return call();
  const file = await prepareSecretFile(path);
  let result: T;
  try {
    result = await call();
  } catch (error) {
    await file.abort();
    throw error;
  }
  await file.commit(result.secret);
  return result;
}
