/**
 * The model cache: dataDir/models/<sha256>.onnx, probe blobs beside them as
 * dataDir/models/<sha256>.probe.json, and partial downloads in dataDir/tmp/<sha256>.part.
 * Only names built from a validated hash are ever written (THREATS 13), whatever a manifest's
 * URL says.
 */
import { checkModelBytes } from '@edgefleet/device-core';
import { mkdir, readFile, readdir, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentError } from '../errors';
import { fsyncDir, isNotFound } from './atomic-file';

const SHA256 = /^[0-9a-f]{64}$/;
const MODEL_FILE = /^([0-9a-f]{64})\.onnx$/;
const PART_FILE = /^([0-9a-f]{64})\.part$/;
const PROBE_FILE = /^([0-9a-f]{64})\.probe\.json$/;

export class ModelFiles {
  readonly modelsDir: string;
  readonly tmpDir: string;

  constructor(readonly dataDir: string) {
    this.modelsDir = join(dataDir, 'models');
    this.tmpDir = join(dataDir, 'tmp');
  }

  async ensureDirs(): Promise<void> {
    await mkdir(this.modelsDir, { recursive: true, mode: 0o700 });
    await mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
  }

  modelPath(sha256: string): string {
    return join(this.modelsDir, `${checkedHash(sha256)}.onnx`);
  }

  /** a probe blob a release names by hash (protocol probe-ref.ts), cached next to the models */
  probePath(sha256: string): string {
    return join(this.modelsDir, `${checkedHash(sha256)}.probe.json`);
  }

  /** The cached bytes of a probe blob, or null when it is not cached (the caller verifies them). */
  async readProbeBlob(sha256: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await readFile(this.probePath(sha256)));
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async removeProbeBlob(sha256: string): Promise<void> {
    await rm(this.probePath(sha256), { force: true });
  }

  partPath(sha256: string): string {
    return join(this.tmpDir, `${checkedHash(sha256)}.part`);
  }

  /** Hashes of the model files and probe blobs present; anything not hash-named is not ours and is ignored. */
  async listCached(): Promise<Set<string>> {
    const names = await readdir(this.modelsDir).catch((error: unknown) => (isNotFound(error) ? [] : Promise.reject(error)));
    return new Set(names.flatMap((name) => (MODEL_FILE.exec(name) ?? PROBE_FILE.exec(name))?.[1] ?? []));
  }

  /**
   * Reads a cached model and checks size and hash once, at load (the device core's rule: the
   * exact bytes the manifest names): a file damaged on disk is deleted so the planner downloads
   * it again (transient: a retry will succeed).
   */
  async readVerified(sha256: string, size: number): Promise<Uint8Array> {
    const path = this.modelPath(sha256);
    const bytes = new Uint8Array(await readFile(path));
    const verdict = await checkModelBytes({ sha256, size }, bytes);
    if (!verdict.ok) {
      await rm(path, { force: true });
      throw new AgentError('E_HASH_MISMATCH', `cached model ${sha256} is damaged (size ${verdict.size}, sha256 ${verdict.sha256}); deleted`, { transient: true });
    }
    return bytes;
  }

  /** Deletes model files, probe blobs and partial downloads whose hash is not in `keep`. */
  async collectGarbage(keep: ReadonlySet<string>): Promise<string[]> {
    const removed: string[] = [];
    for (const [dir, pattern] of [[this.modelsDir, MODEL_FILE], [this.modelsDir, PROBE_FILE], [this.tmpDir, PART_FILE]] as const) {
      for (const name of await readdir(dir)) {
        const sha = pattern.exec(name)?.[1];
        if (sha === undefined || keep.has(sha)) continue;
        await rm(join(dir, name), { force: true });
        removed.push(name);
      }
      await fsyncDir(dir);
    }
    return removed;
  }

  /** Bytes available to this (unprivileged) process, or undefined where statfs is unsupported. */
  async freeBytes(): Promise<number | undefined> {
    try {
      const stats = await statfs(this.dataDir);
      return stats.bavail * stats.bsize;
    } catch {
      return undefined;
    }
  }
}

function checkedHash(sha256: string): string {
  if (!SHA256.test(sha256)) throw new AgentError('E_BAD_PATH', `refusing a model file name that is not a sha256: ${JSON.stringify(sha256.slice(0, 80))}`);
  return sha256;
}
