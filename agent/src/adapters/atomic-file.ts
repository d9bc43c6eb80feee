/**
 * Crash-safe small files: write a temp file, fsync it, rename over the target, fsync the
 * directory. A reader sees the old or the new content, never a mix (THREATS 17).
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const TEMP_MARK = '.tmp-';

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = `${path}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDir(dirname(path));
}

/** Makes a rename or unlink in `dir` durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export type ReadResult = { kind: 'missing' } | { kind: 'ok'; text: string };

export async function readTextIfExists(path: string): Promise<ReadResult> {
  try {
    return { kind: 'ok', text: await readFile(path, 'utf8') };
  } catch (error) {
    if (isNotFound(error)) return { kind: 'missing' };
    throw error;
  }
}

/** Temp files left by a crash between write and rename are never read; this tidies them up. */
export async function removeLeftoverTemps(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = basename(path) + TEMP_MARK;
  for (const name of await readdir(dir)) {
    if (name.startsWith(prefix)) await rm(join(dir, name), { force: true });
  }
}

export const isNotFound = (error: unknown): boolean => error instanceof Error && 'code' in error && error.code === 'ENOENT';
