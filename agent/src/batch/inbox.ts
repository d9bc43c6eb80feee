/**
 * `<batchDir>/inbox/`: a file that appears there becomes a batch job, its results written
 * beside it (`<name>.results.jsonl`). Files are taken whole, so they must arrive by rename
 * (write elsewhere in the same file system, then `mv` in); names starting with `.` or ending in
 * `.tmp` / `.partial` are ignored, as are the results. One job per file version (inode, size,
 * modification time): renaming a new file in under the same name makes a new job. Watched with
 * fs.watch, and scanned every few seconds as well (some file systems send no events).
 */
import { watch, type FSWatcher } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { inboxCandidate } from '../core/batch/job';
import type { AgentLogger } from '../logger';
import type { BatchRunner } from './runner';

const RESCAN_MS = 5_000;

export interface Inbox {
  /** resolves once the files there now have their jobs */
  scan(): Promise<void>;
  close(): void;
}

export function watchInbox(dir: string, runner: Pick<BatchRunner, 'submit' | 'hasSource'>, logger: AgentLogger): Inbox {
  let scanning: Promise<void> | null = null;
  let again = false;
  const scanOnce = async (): Promise<void> => {
    for (const name of await readdir(dir)) {
      if (!inboxCandidate(name)) continue;
      const path = join(dir, name);
      const info = await lstat(path).catch(() => null);
      // Symlinks are not followed: a link could point out of the batch directory.
      if (!info?.isFile()) continue;
      const source = { ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
      if (runner.hasSource(path, source)) continue;
      const submitted = await runner.submit({ input: path, origin: 'inbox' });
      if (!submitted.ok) logger.warn('inbox file not taken as a batch job', { file: path, field: submitted.field, problem: submitted.problem });
    }
  };
  const scan = (): Promise<void> => {
    if (scanning) {
      again = true;
      return scanning;
    }
    scanning = (async () => {
      do {
        again = false;
        await scanOnce().catch((error: unknown) => logger.warn('inbox scan failed', { dir, error }));
      } while (again);
      scanning = null;
    })();
    return scanning;
  };
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(dir, () => void scan());
    watcher.on('error', (error) => logger.warn('inbox watch failed; scanning every few seconds', { dir, error }));
  } catch (error) {
    logger.warn('inbox cannot be watched; scanning every few seconds', { dir, error });
  }
  const timer = setInterval(() => void scan(), RESCAN_MS);
  timer.unref();
  void scan();
  return {
    scan,
    close: () => {
      clearInterval(timer);
      watcher?.close();
    },
  };
}
