/** The config file on disk: read bounded, written 0600 in a 0700 directory through a temp file, removed on logout. */
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseConfig, type StoredConfig } from './config';
import { ensurePrivateDir, exists, readSmallFile, writeFileAtomic } from './files';

const MAX_CONFIG_BYTES = 64 * 1024;

export async function readConfig(path: string): Promise<StoredConfig | null> {
  if (!(await exists(path))) return null;
  return parseConfig((await readSmallFile(path, MAX_CONFIG_BYTES, 'config')).toString('utf8'), path);
}

export async function writeConfig(path: string, config: StoredConfig): Promise<void> {
  await ensurePrivateDir(dirname(path), 0o700);
  await writeFileAtomic(path, `${JSON.stringify({ url: config.url, token: config.token }, null, 2)}\n`, 0o600);
}

/** True when there was a file to remove. */
export async function removeConfig(path: string): Promise<boolean> {
  const existed = await exists(path);
  await rm(path, { force: true });
  return existed;
}
