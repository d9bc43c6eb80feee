/** File I/O of the CLI: bounded reads of small inputs, sized streams for uploads, atomic writes of secrets and downloads. */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { chmod, link, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { usageError } from './errors';

/** Reads a small file whole, refusing one larger than `max` bytes before reading it; `what` names the option. */
export async function readSmallFile(path: string, max: number, what: string): Promise<Buffer> {
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw usageError(`${what}: cannot read ${path}: ${error.code ?? error.message}`);
  });
  try {
    const { size, isFile } = await handle.stat().then((s) => ({ size: s.size, isFile: s.isFile() }));
    if (!isFile) throw usageError(`${what}: ${path} is not a file`);
    if (size > max) throw usageError(`${what}: ${path} is ${size} bytes, more than the ${max} allowed`);
    // Read at most max + 1 bytes, in case the file grew since stat.
    const buffer = Buffer.alloc(max + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > max) throw usageError(`${what}: ${path} is more than the ${max} bytes allowed`);
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/** A small JSON file, parsed; errors name the option. */
export async function readJsonFile(path: string, max: number, what: string): Promise<unknown> {
  const text = (await readSmallFile(path, max, what)).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw usageError(`${what}: ${path} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** A file to stream as a request body, with the size that goes into Content-Length. */
export async function openSized(path: string, what: string): Promise<{ size: number; stream: () => Readable }> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw usageError(`${what}: cannot read ${path}: ${error.code ?? error.message}`);
  });
  if (!info.isFile()) throw usageError(`${what}: ${path} is not a file`);
  // The stream stops at the size sent as Content-Length, so a file growing meanwhile cannot overrun it.
  return { size: info.size, stream: () => (info.size > 0 ? createReadStream(path, { start: 0, end: info.size - 1 }) : Readable.from([])) };
}

export interface AtomicFile {
  write(chunk: Uint8Array): Promise<void>;
  /** fsync, rename over the target, fsync the directory */
  commit(): Promise<void>;
  /**
   * fsync, then hard-link into place, which fails with EEXIST (the target left as it was) when the
   * target exists, even one created a moment ago by another process; the temp file is removed either way
   */
  commitNew(): Promise<void>;
  /** removes the temp file (after a failure) */
  abort(): Promise<void>;
}

/**
 * Writes `path` through a temp file in the same directory (created with `mode`, so a secret is
 * never readable by others, even for a moment), fsync and rename: a reader sees the old file or
 * the whole new one.
 */
export async function atomicFile(path: string, mode: number): Promise<AtomicFile> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  const seal = async (): Promise<void> => {
    await handle.sync();
    await close();
    // open() applies the umask to mode; the file must have exactly `mode`.
    await chmod(temp, mode);
  };
  const syncDir = async (): Promise<void> => {
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  };
  return {
    async write(chunk) {
      let offset = 0;
      while (offset < chunk.length) offset += (await handle.write(chunk, offset, chunk.length - offset)).bytesWritten;
    },
    async commit() {
      await seal();
      await rename(temp, path);
      await syncDir();
    },
    async commitNew() {
      try {
        await seal();
        await link(temp, path);
      } finally {
        await rm(temp, { force: true });
      }
      await syncDir();
    },
    async abort() {
      await close().catch(() => undefined);
      await rm(temp, { force: true });
    },
  };
}

export async function writeFileAtomic(path: string, data: Uint8Array | string, mode: number): Promise<void> {
  await writeWhole(path, data, mode, 'replace');
}

/**
 * Writes a new file at `path` whole (temp file, fsync, link), never replacing one: fails with
 * EEXIST when `path` exists. A crash leaves either no file or the whole one (at worst a stray
 * `.name.*.tmp` next to it), so a re-run is never blocked by a half-written file.
 */
export async function writeNewFile(path: string, data: Uint8Array | string, mode: number): Promise<void> {
  await writeWhole(path, data, mode, 'new');
}

async function writeWhole(path: string, data: Uint8Array | string, mode: number, put: 'replace' | 'new'): Promise<void> {
  const file = await atomicFile(path, mode);
  try {
    await file.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    await (put === 'replace' ? file.commit() : file.commitNew());
  } catch (error) {
    await file.abort();
    throw error;
  }
}

/**
 * Where an output file goes, checked before any work: `path` itself, or `name` inside it when it
 * is a directory (as cp does), or `name` here when no path was given; its directory must exist.
 */
export async function outputFile(path: string | undefined, name: string, what: string): Promise<string> {
  if (path === undefined) return name;
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw usageError(`${what}: cannot use ${path}: ${error.code ?? error.message}`);
  });
  if (info?.isDirectory()) return join(path, name);
  if (info && !info.isFile()) throw usageError(`${what}: ${path} is neither a file nor a directory`);
  const dir = dirname(path);
  const parent = await stat(dir).catch(() => null);
  if (!parent?.isDirectory()) throw usageError(`${what}: ${dir} is not a directory (create it first)`);
  return path;
}

/** Creates `dir` (and parents) with `mode` (a config dir: 0700); a directory that exists is left as it is. */
export async function ensurePrivateDir(dir: string, mode: number): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode });
  // mkdir's mode passes through the umask.
  if (created !== undefined) await chmod(dir, mode);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
