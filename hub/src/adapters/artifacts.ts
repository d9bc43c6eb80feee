/**
 * Content-addressed files: `dataDir/<folder>/<sha256>`. Uploads stream to `dataDir/tmp` while
 * hashed and counted, with the size cap enforced as bytes arrive (never buffered whole), then
 * fsync + rename into place.
 *
 * A stored file can still go bad (a disk, a careless hand): then its bytes no longer have the
 * hash it is named by, and every device would fetch it and fail E_HASH_MISMATCH forever. So the
 * name is never trusted alone: a commit whose name already exists hashes the stored file and
 * replaces it (atomically: rename over it) when it differs; `verify` hashes a file before it is
 * served unless this process already hashed the same file (inode and size) within the hour; the
 * periodic check (services/artifacts/integrity-check.ts) re-hashes the rest at a bounded rate.
 * Bit rot changes no file time, so none is trusted: a file replaced, truncated or grown is hashed
 * again at once, one whose bytes changed in place at the next hour or check (a restarted hub
 * hashes each file before serving it). What each finds goes to `integrity` listeners (logged and
 * audited by the hub).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream, type Stats } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { HubError } from '../core/errors';
import { syncDirectory } from './atomic-file';

export const SHA256_NAME = /^[0-9a-f]{64}$/;

const NOUNS = { artifacts: 'model file', datasets: 'dataset file', probes: 'probe blob' } as const;
export type StoreFolder = keyof typeof NOUNS;

export interface StagedArtifact {
  tmpPath: string;
  sha256: string;
  size: number;
  /** moves the file to its content address (replacing a stored file whose bytes went bad); the staged path is gone afterwards */
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export type FileState = 'ok' | 'corrupt' | 'missing';

export interface IntegrityEvent {
  folder: StoreFolder;
  sha256: string;
  /** corrupt: found with other bytes than its name says; repaired: replaced by an upload of the right bytes */
  kind: 'corrupt' | 'repaired';
  found: 'serve' | 'commit' | 'check';
  /** the hash the bad bytes had */
  actual?: string;
}

export interface IntegrityCounts {
  /** files hashed by verify (serve, periodic check) since start */
  verified: number;
  corrupt: number;
  repaired: number;
}

export interface VerifyOptions {
  /** hash even when verified recently (the periodic check) */
  force?: boolean;
  found?: 'serve' | 'check';
  /** awaited after every chunk hashed: the periodic check's rate limit */
  pace?: (bytes: number) => Promise<void>;
}

export interface ArtifactStore {
  readonly folder: StoreFolder;
  receive(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<StagedArtifact>;
  pathOf(sha256: string): string;
  sizeOf(sha256: string): Promise<number | null>;
  open(sha256: string, range?: { start: number; end: number }): ReadStream;
  has(sha256: string): Promise<boolean>;
  /** stores bytes made by the hub itself (trained, quantized); same crash safety as uploads */
  put(bytes: Uint8Array): Promise<{ sha256: string; size: number }>;
  /** whether the stored bytes still have their name's hash (see the header) */
  verify(sha256: string, options?: VerifyOptions): Promise<{ state: FileState; size: number }>;
  /** the content-addressed names stored */
  list(): Promise<string[]>;
  /** when this process last hashed the file as it is now (epoch ms); undefined: never, or it changed since */
  verifiedAt(sha256: string): number | undefined;
  readonly integrity: {
    counts(): IntegrityCounts;
    /** files found corrupt and not repaired since, as this process knows them */
    corrupt(): string[];
    onEvent(listener: (event: IntegrityEvent) => void): void;
  };
}

export interface ArtifactStoreOptions {
  /** a verified file is hashed again before serving after this long; default 1 hour */
  reverifyAfterMs?: number;
  now?: () => number;
}

/** What makes a file "the same as when hashed": replaced (rename), truncated or grown since, it differs. */
const identityOf = (info: Stats): string => `${info.dev}:${info.ino}:${info.size}`;

interface Verified {
  identity: string;
  state: 'ok' | 'corrupt';
  at: number;
}

/** Entries kept; past it the oldest go (they are hashed again when next served). */
const MAX_VERIFIED = 100_000;

async function statFile(path: string): Promise<Stats | null> {
  try {
    const info = await stat(path);
    return info.isFile() ? info : null;
  } catch {
    return null;
  }
}

/** The file's hash and the identity of the inode hashed; identity null when it changed while read. */
async function hashFile(path: string, pace?: (bytes: number) => Promise<void>): Promise<{ sha256: string; size: number; identity: string | null } | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const before = await handle.stat();
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of handle.createReadStream({ highWaterMark: 1024 * 1024, autoClose: false }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
      if (pace) await pace(chunk.length);
    }
    const after = await handle.stat();
    return { sha256: hash.digest('hex'), size, identity: identityOf(before) === identityOf(after) ? identityOf(after) : null };
  } finally {
    await handle.close();
  }
}

/**
 * `folder` keeps kinds apart: model files (`artifacts`, served to devices), datasets
 * (`datasets`, never served to devices) and probe blobs (`probes`, served only to devices a
 * release assigned to them names them for) share the mechanism, not the namespace.
 */
export async function createArtifactStore(dataDir: string, folder: StoreFolder = 'artifacts', options: ArtifactStoreOptions = {}): Promise<ArtifactStore> {
  const dir = join(dataDir, folder);
  const noun = NOUNS[folder];
  const tmpDir = join(dataDir, 'tmp');
  const now = options.now ?? Date.now;
  const reverifyAfterMs = options.reverifyAfterMs ?? 60 * 60_000;
  await mkdir(dir, { recursive: true });
  await mkdir(tmpDir, { recursive: true });
  // Leftovers of uploads interrupted by a crash.
  for (const name of await readdir(tmpDir)) await rm(join(tmpDir, name), { force: true, recursive: true });

  const pathOf = (sha256: string): string => {
    if (!SHA256_NAME.test(sha256)) throw new HubError('E_VALIDATION', 'artifact name must be 64 lowercase hex digits');
    return join(dir, sha256);
  };
  const sizeOf = async (sha256: string): Promise<number | null> => (await statFile(pathOf(sha256)))?.size ?? null;

  const verified = new Map<string, Verified>();
  const counts: IntegrityCounts = { verified: 0, corrupt: 0, repaired: 0 };
  const listeners: Array<(event: IntegrityEvent) => void> = [];
  const inFlight = new Map<string, { run: Promise<{ state: FileState; size: number }>; paced: boolean }>();
  const emit = (event: Omit<IntegrityEvent, 'folder'>): void => {
    for (const listener of listeners) listener({ folder, ...event });
  };
  const remember = (sha256: string, identity: string, state: Verified['state']): void => {
    verified.delete(sha256); // re-inserted last: the Map's order is the eviction order
    verified.set(sha256, { identity, state, at: now() });
    if (verified.size > MAX_VERIFIED) verified.delete(verified.keys().next().value as string);
  };
  /** The file as committed just now is the bytes just hashed: no need to read it again to serve it. */
  const rememberCommitted = async (sha256: string): Promise<void> => {
    const info = await statFile(pathOf(sha256));
    if (info) remember(sha256, identityOf(info), 'ok');
  };

  const hashAndRecord = async (sha256: string, found: 'serve' | 'check', pace?: (bytes: number) => Promise<void>): Promise<{ state: FileState; size: number }> => {
    const hashed = await hashFile(pathOf(sha256), pace);
    if (!hashed) {
      // Deleted (a removed version): not corrupt any more, whatever it was.
      verified.delete(sha256);
      return { state: 'missing', size: 0 };
    }
    counts.verified++;
    const state = hashed.sha256 === sha256 ? 'ok' : 'corrupt';
    const wasCorrupt = verified.get(sha256)?.state === 'corrupt';
    if (hashed.identity !== null) remember(sha256, hashed.identity, state);
    if (state === 'corrupt' && !wasCorrupt) {
      counts.corrupt++;
      emit({ sha256, kind: 'corrupt', found, actual: hashed.sha256 });
    }
    return { state, size: hashed.size };
  };

  const store: ArtifactStore = {
    folder,
    pathOf,
    sizeOf,
    has: async (sha256) => (await sizeOf(sha256)) !== null,
    open: (sha256, range) => createReadStream(pathOf(sha256), range ? { start: range.start, end: range.end } : {}),
    async verify(sha256, verifyOptions = {}) {
      const info = await statFile(pathOf(sha256));
      if (!info) {
        verified.delete(sha256);
        return { state: 'missing', size: 0 };
      }
      const known = verified.get(sha256);
      if (!verifyOptions.force && known && known.identity === identityOf(info) && now() - known.at < reverifyAfterMs) return { state: known.state, size: info.size };
      // Five thousand devices asking for the same new file hash it once; but a request that is
      // not paced does not wait on the integrity check's paced read of the same file.
      const paced = verifyOptions.pace !== undefined;
      const running = inFlight.get(sha256);
      if (running && (paced || !running.paced)) return running.run;
      const entry = { run: hashAndRecord(sha256, verifyOptions.found ?? 'serve', verifyOptions.pace), paced };
      inFlight.set(sha256, entry);
      void entry.run.finally(() => {
        if (inFlight.get(sha256) === entry) inFlight.delete(sha256);
      }).catch(() => undefined);
      return entry.run;
    },
    list: async () => (await readdir(dir)).filter((name) => SHA256_NAME.test(name)),
    verifiedAt(sha256) {
      return verified.get(sha256)?.at;
    },
    integrity: {
      counts: () => ({ ...counts }),
      corrupt: () => [...verified].filter(([, entry]) => entry.state === 'corrupt').map(([sha256]) => sha256),
      onEvent: (listener) => void listeners.push(listener),
    },
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
          const target = pathOf(sha256);
          if ((await statFile(target)) !== null) {
            // Same content already stored (another model or label), unless its bytes went bad.
            const stored = await hashFile(target);
            if (stored?.sha256 === sha256) {
              await rm(tmpPath, { force: true });
              if (stored.identity !== null) remember(sha256, stored.identity, 'ok');
              return;
            }
            // rename() replaces the bad file in one step: a reader (another replica serving it)
            // sees the old inode or the new one, never a half-written file.
            await rename(tmpPath, target);
            await syncDirectory(dir);
            await rememberCommitted(sha256);
            counts.repaired++;
            emit({ sha256, kind: 'repaired', found: 'commit', ...(stored ? { actual: stored.sha256 } : {}) });
            return;
          }
          await rename(tmpPath, target);
          await syncDirectory(dir);
          await rememberCommitted(sha256);
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
