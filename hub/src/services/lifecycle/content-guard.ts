/**
 * The registration half of deleting content-addressed files safely (issue 15). A deletion
 * commits its tombstone first, then removes a file only while holding the file's lock and seeing
 * that nothing alive needs it (content-removal.ts). A new version (or a revived dataset) may have
 * found the same file already stored and kept it, moments before that removal: so, inside the
 * transaction that registers it, it takes the same locks and checks that what it names is still
 * there. One of the two always sees the other's commit; the loser is refused (the removal keeps
 * the file; the registration answers 409 and stores nothing), and no version ever names a
 * file that is gone.
 */
import { conflict } from '../../core/errors';
import type { ContentRefs } from '../../core/lifecycle/content-refs';
import type { Db } from '../../adapters/db/db';
import { getDataset, lockDataset } from '../../adapters/db/datasets';
import { lockContent } from '../../adapters/db/holders';
import type { HubContext } from '../context';

export const artifactKey = (sha256: string): string => `artifacts:${sha256}`;
export const probeKey = (sha256: string): string => `probes:${sha256}`;
/** Datasets and sample inputs share the dataset store (hence one key space). */
export const datasetFileKey = (sha256: string): string => `datasets:${sha256}`;

export type GuardDeps = Pick<HubContext, 'artifacts' | 'probes' | 'datasets'>;

const RETRY = 'a deletion removed it meanwhile; nothing was stored, upload (or run) again';

/**
 * Inside the registering transaction: the model file, probe blob, sample inputs and datasets the
 * new version names are all still there, and stay so until it commits.
 */
export async function guardVersionContent(deps: GuardDeps, tx: Db, sha256: string, refs: ContentRefs): Promise<void> {
  await lockContent(tx, artifactKey(sha256));
  if (!(await deps.artifacts.has(sha256))) throw conflict(`model file ${sha256}: ${RETRY}`);
  if (refs.probeBlob !== null) {
    await lockContent(tx, probeKey(refs.probeBlob));
    if (!(await deps.probes.has(refs.probeBlob))) throw conflict(`probe blob ${refs.probeBlob}: ${RETRY}`);
  }
  if (refs.samples !== null) {
    await lockContent(tx, datasetFileKey(refs.samples));
    if (!(await deps.datasets.has(refs.samples))) throw conflict(`samples ${refs.samples}: ${RETRY}`);
  }
  for (const id of refs.datasets) {
    // The dataset's row lock: its deletion takes it before reading which versions name it.
    await lockDataset(tx, id);
    const row = await getDataset(tx, id);
    if (row?.deletedAt) throw conflict(`dataset ${id}, which the version's lineage names, was deleted at ${row.deletedAt}; nothing was stored`);
  }
}

/** Inside the transaction that stores (or revives) a dataset row: its file is still there. */
export async function guardDatasetFile(deps: Pick<HubContext, 'datasets'>, tx: Db, id: string): Promise<void> {
  await lockContent(tx, datasetFileKey(id));
  if (!(await deps.datasets.has(id))) throw conflict(`dataset file ${id}: ${RETRY}`);
}
