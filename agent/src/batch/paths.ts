/**
 * Where a batch job may read and write: inside the batch directory only. The local API has no
 * authentication, so a path it is given must not reach other files of the device (the agent's
 * state, its secret): both are resolved through symlinks (realpath) and must land inside the
 * directory's own real path; the files are then opened without following a symlink.
 */
import { constants } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { isNotFound } from '../adapters/atomic-file';

/** O_NOFOLLOW where the platform has it (not on Windows): a path swapped for a symlink after the check is not followed. */
export const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

export type Resolved<T> = { ok: true; value: T } | { ok: false; problem: string };

const inside = (root: string, path: string): boolean => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/** An existing regular file inside the batch directory, by its real path, with its identity. */
export async function resolveInput(root: string, given: string): Promise<Resolved<{ path: string; ino: number; size: number; mtimeMs: number }>> {
  const wanted = isAbsolute(given) ? given : join(root, given);
  let real: string;
  try {
    real = await realpath(wanted);
  } catch (error) {
    return { ok: false, problem: isNotFound(error) ? `no such file: ${wanted}` : `cannot be read: ${(error as Error).message}` };
  }
  if (!inside(root, real)) return { ok: false, problem: `${wanted} is outside the batch directory ${root} (EDGEFLEET_AGENT_BATCH_DIR)` };
  const info = await stat(real);
  if (!info.isFile()) return { ok: false, problem: `${wanted} is not a regular file` };
  return { ok: true, value: { path: real, ino: info.ino, size: info.size, mtimeMs: info.mtimeMs } };
}

/** A file to write inside the batch directory: its directory must exist there; the file itself must not be a symlink. */
export async function resolveOutput(root: string, given: string, input: string): Promise<Resolved<string>> {
  const wanted = resolve(isAbsolute(given) ? given : join(root, given));
  let parent: string;
  try {
    parent = await realpath(dirname(wanted));
  } catch (error) {
    return { ok: false, problem: isNotFound(error) ? `the directory ${dirname(wanted)} does not exist` : (error as Error).message };
  }
  const path = join(parent, basename(wanted));
  if (!inside(root, parent)) return { ok: false, problem: `${wanted} is outside the batch directory ${root} (EDGEFLEET_AGENT_BATCH_DIR)` };
  if (path === input) return { ok: false, problem: 'is the input itself' };
  try {
    const info = await lstat(path);
    if (!info.isFile()) return { ok: false, problem: `${path} exists and is not a regular file` };
  } catch (error) {
    if (!isNotFound(error)) return { ok: false, problem: (error as Error).message };
  }
  return { ok: true, value: path };
}
