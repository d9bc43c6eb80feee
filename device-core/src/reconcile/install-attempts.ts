/**
 * Install attempts that survive the device runtime dying (issue 16, item 2). The reconcile loop
 * counts failed steps in memory, which a process killed in the middle of a step never gets to do:
 * a model that makes the kernel's OOM killer end the agent during its load or probe would be
 * loaded again after every restart, forever. So an attempt is counted, and stored, BEFORE the
 * risky step runs: the start of a candidate session (load, or sharing the serving one) begins an
 * attempt, the probe passing ends it. A start that finds the limit already spent gives up instead
 * (reconcile-loop.ts), which is reported and persisted like any other given-up install. A load or
 * probe the runtime stopped itself (a graceful restart, a newer doc) takes its attempt back.
 *
 * The records are data; where they live is the runtime's (the agent: a file in its state dir,
 * written atomically). Only the current doc's attempts are kept: a newer seq starts from zero.
 */
import type { Step } from './plan';

/** One install (the active release or the shadow of one doc) and how often it was begun. */
export interface AttemptRecord {
  seq: number;
  sha256: string;
  shadow: boolean;
  begun: number;
}

export type AttemptKey = Omit<AttemptRecord, 'begun'>;

/** Where a runtime keeps the records; `save` resolves once they are durable. */
export interface AttemptStore {
  load(): Promise<AttemptRecord[]>;
  save(records: readonly AttemptRecord[]): Promise<void>;
}

/** What the loop asks: begin (counted and stored before it returns) and finish. */
export interface InstallAttempts {
  /** counts one more attempt at `key`; resolves to how many have begun, this one included */
  begin(key: AttemptKey): Promise<number>;
  /** the attempt passed its probe: forget it */
  finish(key: AttemptKey): Promise<void>;
  /** the attempt under way was stopped on purpose, not by the runtime dying: count it no more */
  abandon(key: AttemptKey): Promise<void>;
}

/** Steps that start a candidate session: a process dying from here to the probe's end is an attempt spent. */
const STARTS: ReadonlySet<Step['kind']> = new Set(['load', 'share-serving', 'load-shadow', 'share-serving-shadow']);
const ENDS: ReadonlySet<Step['kind']> = new Set(['probe', 'probe-shadow']);

/** The attempt `step` begins, if it begins one. */
export function attemptBegunBy(step: Step): AttemptKey | null {
  if (!STARTS.has(step.kind) || !('release' in step)) return null;
  return { seq: step.seq, sha256: step.release.artifact.sha256, shadow: step.kind.endsWith('-shadow') };
}

/** The attempt `step` ends by succeeding, if it ends one. */
export function attemptFinishedBy(step: Step): AttemptKey | null {
  if (!ENDS.has(step.kind) || !('release' in step)) return null;
  return { seq: step.seq, sha256: step.release.artifact.sha256, shadow: step.kind === 'probe-shadow' };
}

const sameKey = (a: AttemptKey, b: AttemptKey): boolean => a.seq === b.seq && a.sha256 === b.sha256 && a.shadow === b.shadow;

/** `records` after beginning `key`: older docs' records dropped, this one counted up. */
export function beginAttempt(records: readonly AttemptRecord[], key: AttemptKey): { records: AttemptRecord[]; begun: number } {
  const current = records.filter((record) => record.seq === key.seq);
  const begun = (current.find((record) => sameKey(record, key))?.begun ?? 0) + 1;
  return { records: [...current.filter((record) => !sameKey(record, key)), { ...key, begun }], begun };
}

export const finishAttempt = (records: readonly AttemptRecord[], key: AttemptKey): AttemptRecord[] => records.filter((record) => !sameKey(record, key));

/** `records` less the one attempt at `key` under way; earlier starts that died stay counted. */
export const abandonAttempt = (records: readonly AttemptRecord[], key: AttemptKey): AttemptRecord[] =>
  records.flatMap((record) => (!sameKey(record, key) ? [record] : record.begun > 1 ? [{ ...record, begun: record.begun - 1 }] : []));

/**
 * The records in memory, written through `store` on every change (changes are rare: twice per
 * install). Calls are serialised so two writes never race each other to the disk.
 */
export class PersistedInstallAttempts implements InstallAttempts {
  private records: AttemptRecord[] | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: AttemptStore) {}

  begin(key: AttemptKey): Promise<number> {
    return this.serialised(async () => {
      const next = beginAttempt(await this.current(), key);
      await this.store.save(next.records);
      this.records = next.records;
      return next.begun;
    });
  }

  finish(key: AttemptKey): Promise<void> {
    return this.change(key, finishAttempt);
  }

  abandon(key: AttemptKey): Promise<void> {
    return this.change(key, abandonAttempt);
  }

  private change(key: AttemptKey, next: (records: readonly AttemptRecord[], key: AttemptKey) => AttemptRecord[]): Promise<void> {
    return this.serialised(async () => {
      const current = await this.current();
      if (!current.some((record) => sameKey(record, key))) return;
      const records = next(current, key);
      await this.store.save(records);
      this.records = records;
    });
  }

  private async current(): Promise<AttemptRecord[]> {
    this.records ??= await this.store.load();
    return this.records;
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
