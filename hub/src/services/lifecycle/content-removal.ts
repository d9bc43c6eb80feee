/**
 * The removal half of deleting content-addressed files (issue 15), run after the deletion's
 * tombstone committed: a crash in between leaves an orphan file, never a row alive without its
 * file. Each file is removed in a transaction of its own that first takes the file's lock
 * (content-guard.ts) and checks, under it, that nothing alive needs the file any more; the file
 * goes while the lock is held, so a registration on another replica either committed before
 * (and the file is kept) or checks after (and finds it gone). Removing a file is one unlink: the
 * one file operation a transaction here waits on, and only on this rare path.
 */
import { unlink } from 'node:fs/promises';
import { contentRefsOf, versionKey } from '../../core/lifecycle/content-refs';
import { decodeStoredManifest } from '../../core/release-manifest';
import type { Db } from '../../adapters/db/db';
import { getDataset } from '../../adapters/db/datasets';
import { lockContent } from '../../adapters/db/holders';
import { liveVersionManifests, liveVersionsWithSha } from '../../adapters/db/models';
import type { HubContext } from '../context';
import { artifactKey, datasetFileKey, probeKey } from './content-guard';

/** What became of one file: removed now, kept because something alive needs it, or already absent. */
export type FileOutcome = { file: 'removed' } | { file: 'absent' } | { file: 'kept'; neededBy: string[] };

type RemovalDeps = Pick<HubContext, 'db' | 'logger'>;

async function unlinkIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Under the file's lock: `neededBy` (read in the same transaction) empty means the file goes.
 * A failed unlink is logged and reported as kept by nobody: the file stays an orphan, the
 * deletion itself stands.
 */
async function removeUnder(deps: RemovalDeps, key: string, path: string, neededBy: (tx: Db) => Promise<string[]>, audit?: (tx: Db) => Promise<void>): Promise<FileOutcome> {
  try {
    return await deps.db.transaction(async (tx): Promise<FileOutcome> => {
      await lockContent(tx, key);
      const needing = await neededBy(tx);
      if (needing.length > 0) return { file: 'kept', neededBy: needing };
      await audit?.(tx);
      return (await unlinkIfPresent(path)) ? { file: 'removed' } : { file: 'absent' };
    });
  } catch (error) {
    deps.logger.warn('file left in place after a deletion; it is unreferenced and may be removed by hand', { file: key, error: error instanceof Error ? error.message : String(error) });
    return { file: 'kept', neededBy: [] };
  }
}

/** Live versions (as `model@version`) whose manifest's references (lineage datasets, samples, probe blob) `names` picks. */
export async function versionsNaming(db: Db, names: (refs: ReturnType<typeof contentRefsOf>) => boolean): Promise<string[]> {
  const found: string[] = [];
  for (const row of await liveVersionManifests(db)) if (names(contentRefsOf(decodeStoredManifest(row.manifest)))) found.push(versionKey(row));
  return found;
}

/** A deleted version's model file, unless a version not deleted has the same bytes. */
export const removeModelFile = (deps: RemovalDeps & Pick<HubContext, 'artifacts'>, sha256: string): Promise<FileOutcome> =>
  removeUnder(deps, artifactKey(sha256), deps.artifacts.pathOf(sha256), async (tx) => (await liveVersionsWithSha(tx, sha256)).map(versionKey));

/** A deleted version's probe blob, unless a version not deleted names the same blob. */
export const removeProbeBlob = (deps: RemovalDeps & Pick<HubContext, 'probes'>, blob: string): Promise<FileOutcome> =>
  removeUnder(deps, probeKey(blob), deps.probes.pathOf(blob), (tx) => versionsNaming(tx, (refs) => refs.probeBlob === blob));

/** A deleted dataset's CSV, unless the same bytes were uploaded again meanwhile (the row is alive again). */
export const removeDatasetFile = (deps: RemovalDeps & Pick<HubContext, 'datasets'>, id: string): Promise<FileOutcome> =>
  removeUnder(deps, datasetFileKey(id), deps.datasets.pathOf(id), async (tx) => ((await getDataset(tx, id))?.deletedAt === null ? [`dataset ${id}`] : []));

/** Sample inputs no version names any more (checked under the lock: a registration naming them waits or is refused). */
export const removeSampleFile = (deps: RemovalDeps & Pick<HubContext, 'datasets'>, id: string, audit: (tx: Db) => Promise<void>): Promise<FileOutcome> =>
  removeUnder(deps, datasetFileKey(id), deps.datasets.pathOf(id), (tx) => versionsNaming(tx, (refs) => refs.samples === id), audit);
