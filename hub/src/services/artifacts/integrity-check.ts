/**
 * The periodic integrity check (job `artifact-integrity`): re-hashes stored files (model files,
 * probe blobs, datasets and sample inputs) that this process has not hashed within a day, those
 * never hashed first, at a bounded rate and up to a byte budget per run, so a large store is
 * covered over several runs without taking the disk from downloads. A file found corrupt is
 * marked (served as 503 until repaired), logged and audited through the store's integrity
 * events (integrity-events.ts); the same bytes uploaded again replace it.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ArtifactStore, IntegrityCounts, StoreFolder } from '../../adapters/artifacts';
import type { HubContext } from '../context';

export interface IntegrityCheckOptions {
  /** read at most this fast; default 32 MiB/s */
  rateBytesPerS?: number;
  /** stop starting new files once this much was read in a run; default 4 GiB */
  budgetBytes?: number;
  /** a file hashed more recently than this is skipped; default 24 h */
  reverifyAfterMs?: number;
  now?: () => number;
}

const INTEGRITY_DEFAULTS = { rateBytesPerS: 32 * 1024 * 1024, budgetBytes: 4 * 1024 ** 3, reverifyAfterMs: 24 * 60 * 60_000 } as const;

export interface IntegrityReport {
  checked: number;
  bytes: number;
  /** found corrupt in this run */
  corrupt: Array<{ folder: StoreFolder; sha256: string }>;
  /** files due that this run's budget did not reach (the next runs take them) */
  remaining: number;
  /** every file known corrupt and not repaired, by folder */
  knownCorrupt: Partial<Record<StoreFolder, string[]>>;
  /** since this replica started, by folder: files hashed, found corrupt, repaired by an upload */
  counts: Record<StoreFolder, IntegrityCounts>;
}

/** Awaited after each chunk: sleeps as long as reading ran ahead of the rate. */
function pacer(rateBytesPerS: number): (bytes: number) => Promise<void> {
  const started = performance.now();
  let total = 0;
  return async (bytes) => {
    total += bytes;
    const aheadMs = (total / rateBytesPerS) * 1000 - (performance.now() - started);
    if (aheadMs > 1) await delay(aheadMs);
  };
}

export async function runIntegrityCheck(ctx: Pick<HubContext, 'artifacts' | 'probes' | 'datasets'>, options: IntegrityCheckOptions = {}): Promise<IntegrityReport> {
  const now = options.now ?? Date.now;
  const rate = options.rateBytesPerS ?? INTEGRITY_DEFAULTS.rateBytesPerS;
  const budget = options.budgetBytes ?? INTEGRITY_DEFAULTS.budgetBytes;
  const reverifyAfterMs = options.reverifyAfterMs ?? INTEGRITY_DEFAULTS.reverifyAfterMs;
  const stores: ArtifactStore[] = [ctx.artifacts, ctx.probes, ctx.datasets];

  const due: Array<{ store: ArtifactStore; sha256: string; at: number }> = [];
  for (const store of stores) {
    for (const sha256 of await store.list()) {
      const at = store.verifiedAt(sha256);
      if (at === undefined || now() - at >= reverifyAfterMs) due.push({ store, sha256, at: at ?? Number.NEGATIVE_INFINITY });
    }
  }
  // Never hashed first, then the longest ago; names break ties so runs are repeatable.
  due.sort((a, b) => a.at - b.at || (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0));

  const pace = pacer(rate);
  const report: IntegrityReport = { checked: 0, bytes: 0, corrupt: [], remaining: 0, knownCorrupt: {}, counts: { artifacts: ctx.artifacts.integrity.counts(), probes: ctx.probes.integrity.counts(), datasets: ctx.datasets.integrity.counts() } };
  for (const [index, file] of due.entries()) {
    if (report.bytes >= budget) {
      report.remaining = due.length - index;
      break;
    }
    const { state, size } = await file.store.verify(file.sha256, { force: true, found: 'check', pace });
    if (state === 'missing') continue; // removed meanwhile (a deletion)
    report.checked++;
    report.bytes += size;
    if (state === 'corrupt') report.corrupt.push({ folder: file.store.folder, sha256: file.sha256 });
  }
  for (const store of stores) {
    // A corrupt file deleted since (its version removed, maybe by another replica) is forgotten.
    for (const sha256 of store.integrity.corrupt()) if (!(await store.has(sha256))) await store.verify(sha256);
    const corrupt = store.integrity.corrupt();
    if (corrupt.length > 0) report.knownCorrupt[store.folder] = corrupt;
    report.counts[store.folder] = store.integrity.counts();
  }
  return report;
}
