/** The config file on disk: read bounded, written 0600 in a 0700 directory through a temp file, removed on logout. */
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseConfig, type StoredConfig } from './config';
import { CliError, EXIT } from './errors';
import { ensurePrivateDir, exists, readSmallFile, writeFileAtomic } from './files';

const MAX_CONFIG_BYTES = 64 * 1024;

export async function readConfig(path: string): Promise<StoredConfig | null> {
  const present = await exists(path).catch((error: unknown) => {
    throw configError(path, 'read', error);
  });
  if (!present) return null;
  return parseConfig((await readSmallFile(path, MAX_CONFIG_BYTES, 'config')).toString('utf8'), path);
}

/** A file-system failure on the config file as what it is: a path to fix, not a crash. */
function configError(path: string, verb: string, error: unknown): CliError {
  const reason = (error as NodeJS.ErrnoException).code ?? String(error);
  return new CliError('E_CONFIG', `cannot ${verb} ${path}: ${reason}`, EXIT.usage, ['Set EDGEFLEET_CONFIG (or XDG_CONFIG_HOME) to a place this user can write.']);
}

export async function writeConfig(path: string, config: StoredConfig): Promise<void> {
  try {
    await ensurePrivateDir(dirname(path), 0o700);
    await writeFileAtomic(path, `${JSON.stringify({ url: config.url, token: config.token }, null, 2)}\n`, 0o600);
  } catch (error) {
    throw configError(path, 'write', error);
  }
}

/** True when there was a file to remove. */
export async function removeConfig(path: string): Promise<boolean> {
  try {
    const existed = await exists(path);
    await rm(path, { force: true });
    return existed;
  } catch (error) {
    throw configError(path, 'remove', error);
  }
}
