/**
 * The batch queue on disk: one file per job, `<dataDir>/batch-jobs/<id>.json`, each written
 * atomically (temp, fsync, rename, fsync the directory), so a job's state and checkpoint after a
 * crash are the last ones written whole. Read back (schema-checked) at start; a file that does
 * not parse is logged and left aside, never guessed at.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { BATCH_FORMATS, isTerminal, type BatchJob } from '../core/batch/job';
import type { AgentLogger } from '../logger';
import { readTextIfExists, writeFileAtomic } from '../adapters/atomic-file';

const count = z.number().int().min(0);
const versionSchema = z.strictObject({ model: z.string(), version: z.string(), sha256: z.string() });
const jobSchema = z.strictObject({
  v: z.literal(1),
  id: z.string().regex(/^[a-z0-9-]{1,64}$/),
  seq: count,
  state: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
  format: z.enum(BATCH_FORMATS),
  input: z.string(),
  output: z.string(),
  origin: z.enum(['api', 'inbox']),
  source: z.strictObject({ ino: count, size: count, mtimeMs: z.number() }),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  version: versionSchema.nullable(),
  rowsTotal: count.nullable(),
  checkpoint: z.strictObject({ rowsDone: count, rowsFailed: count, outputBytes: count, inputOffset: count }),
  error: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
});

// Compile-time guard: the schema and the core type describe the same record.
const _sameShape: (value: z.infer<typeof jobSchema>) => BatchJob = (value) => value;
void _sameShape;

/** Finished jobs kept for GET /v1/batch-jobs; older ones are forgotten (their files stay where they are). */
const KEEP_FINISHED = 200;

export class BatchJobStore {
  constructor(
    readonly dir: string,
    private readonly logger: AgentLogger,
  ) {}

  async load(): Promise<BatchJob[]> {
    await mkdir(this.dir, { recursive: true });
    const jobs: BatchJob[] = [];
    for (const name of await readdir(this.dir)) {
      // A crash between a temp file's write and its rename leaves the temp: the job file is whole.
      if (name.includes('.tmp-')) {
        await rm(join(this.dir, name), { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      const read = await readTextIfExists(join(this.dir, name));
      if (read.kind === 'missing') continue;
      let parsed: ReturnType<typeof jobSchema.safeParse>;
      try {
        parsed = jobSchema.safeParse(JSON.parse(read.text));
      } catch {
        this.logger.error('batch job file is not valid JSON; left aside', { file: name });
        continue;
      }
      if (parsed.success) jobs.push(parsed.data);
      else this.logger.error('batch job file does not fit the schema; left aside', { file: name, problem: parsed.error.issues[0]?.message });
    }
    return jobs.sort((a, b) => a.seq - b.seq);
  }

  save(job: BatchJob): Promise<void> {
    return writeFileAtomic(join(this.dir, `${job.id}.json`), JSON.stringify(job));
  }

  /** Forgets the oldest finished jobs beyond the ones kept; returns the ids forgotten. */
  async prune(jobs: readonly BatchJob[]): Promise<string[]> {
    const finished = jobs.filter(isTerminal).sort((a, b) => b.seq - a.seq);
    const gone = finished.slice(KEEP_FINISHED).map((job) => job.id);
    for (const id of gone) await rm(join(this.dir, `${id}.json`), { force: true });
    return gone;
  }
}
