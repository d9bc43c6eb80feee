/**
 * Content-addressed model files: `dataDir/artifacts/<sha256>`. Uploads stream to `dataDir/tmp`
 * while hashed and counted, with the size cap enforced as bytes arrive (never buffered whole),
 * then fsync + rename into place. Files are served as stored, never re-hashed: agents verify.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { HubError } from '../core/errors';
import { syncDirectory } from './atomic-file';

export const SHA256_NAME = /^[0-9a-f]{64}$/;

const NOUNS = { artifacts: 'model file', datasets: 'dataset file', probes: 'probe blob' } as const;

export interface StagedArtifact {
  tmpPath: string;
  sha256: string;
  size: number;
  /** moves the file to its content address; the staged path is gone afterwards */
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export interface ArtifactStore {
  receive(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<StagedArtifact>;
  pathOf(sha256: string): string;
  sizeOf(sha256: string): Promise<number | null>;
  open(sha256: string, range?: { start: number; end: number }): ReadStream;
  has(sha256: string): Promise<boolean>;
  /** stores bytes made by the hub itself (trained, quantized); same crash safety as uploads */
  put(bytes: Uint8Array): Promise<{ sha256: string; size: number }>;
}

/**
 * `folder` keeps kinds apart: model files (`artifacts`, served to devices), datasets
 * (`datasets`, never served to devices) and probe blobs (`probes`, served only to devices a
 * release assigned to them names them for) share the mechanism, not the namespace.
 */
export async function createArtifactStore(dataDir: string, folder: 'artifacts' | 'datasets' | 'probes' = 'artifacts'): Promise<ArtifactStore> {
  const dir = join(dataDir, folder);
  const noun = NOUNS[folder];
  const tmpDir = join(dataDir, 'tmp');
  await mkdir(dir, { recursive: true });
  await mkdir(tmpDir, { recursive: true });
  // Leftovers of uploads interrupted by a crash.
  for (const name of await readdir(tmpDir)) await rm(join(tmpDir, name), { force: true, recursive: true });

  const pathOf = (sha256: string): string => {
    if (!SHA256_NAME.test(sha256)) throw new HubError('E_VALIDATION', 'artifact name must be 64 lowercase hex digits');
    return join(dir, sha256);
  };
  const sizeOf = async (sha256: string): Promise<number | null> => {
    try {
      const info = await stat(pathOf(sha256));
      return info.isFile() ? info.size : null;
    } catch {
      return null;
    }
  };

  const store: ArtifactStore = {
    pathOf,
    sizeOf,
    has: async (sha256) => (await sizeOf(sha256)) !== null,
    open: (sha256, range) => createReadStream(pathOf(sha256), range ? { start: range.start, end: range.end } : {}),
    async receive(body, maxBytes) {
      if (!body) throw new HubError('E_VALIDATION', `body: the ${noun} is required`);
      const tmpPath = join(tmpDir, `upload-${randomBytes(8).toString('hex')}`);
      const hash = createHash('sha256');
      let size = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          size += chunk.length;
          if (size > maxBytes) {
            callback(new HubError('E_TOO_LARGE', `${noun} exceeds the limit of ${maxBytes} bytes`));
            return;
          }
          hash.update(chunk);
          callback(null, chunk);
        },
      });
      try {
        await pipeline(Readable.fromWeb(body as WebReadableStream<Uint8Array>), meter, createWriteStream(tmpPath, { flags: 'wx', mode: 0o644 }));
        const handle = await open(tmpPath, 'r+');
        await handle.sync().finally(() => handle.close());
      } catch (error) {
        await rm(tmpPath, { force: true });
        throw error;
      }
      if (size === 0) {
        await rm(tmpPath, { force: true });
        throw new HubError('E_VALIDATION', `body: the ${noun} is empty`);
      }
      const sha256 = hash.digest('hex');
      return {
        tmpPath,
        sha256,
        size,
        async commit() {
          if (await sizeOf(sha256) !== null) {
            // Same content already stored (another model or label): keep the existing file.
            await rm(tmpPath, { force: true });
            return;
          }
          await rename(tmpPath, pathOf(sha256));
          await syncDirectory(dir);
        },
        discard: () => rm(tmpPath, { force: true }),
      };
    },
    async put(bytes) {
      const staged = await store.receive(new Blob([bytes as BlobPart]).stream(), Number.POSITIVE_INFINITY);
      try {
        await staged.commit();
      } finally {
        await staged.discard();
      }
      return { sha256: staged.sha256, size: staged.size };
    },
  };
  return store;
}
