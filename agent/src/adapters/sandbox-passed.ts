/**
 * Model files that already passed the sandbox on this device (dataDir/sandbox-passed.json), so a
 * restart or a rollback does not pay the sandbox again (about half a second per model) for bytes
 * it has run: the sandbox isolates what is new, not what is known. A pass counts for the probe it
 * ran (probe-source.ts probeIdentity): a release of the same bytes with another, perhaps heavier,
 * probe is checked again. A file passed under a memory limit still fits any limit at least as
 * large; lowering the limit checks it again. Bounded to
 * the most recent few; written atomically (atomic-file.ts). What passed in this process counts
 * for every agent in it (a simulated fleet checks a model once, not once per device).
 */
import { join } from 'node:path';
import { z } from 'zod';
import { readTextIfExists, removeLeftoverTemps, writeFileAtomic } from './atomic-file';

const MAX_KEPT = 16;

/** `${sha256}:${probe}` -> the smallest limit it passed under, in this process */
const passedInProcess = new Map<string, number>();

const HASH = /^[0-9a-f]{64}$/;
// A file from before passes counted probes does not parse: everything is checked once more.
const fileSchema = z.strictObject({
  models: z.array(z.strictObject({ sha256: z.string().regex(HASH), probe: z.string().regex(HASH), memoryMb: z.number().int().min(1) })).max(MAX_KEPT),
});

type Passed = z.infer<typeof fileSchema>['models'][number];

export class SandboxPassed {
  private readonly path: string;
  private models: Passed[] | null = null;

  constructor(dataDir: string) {
    this.path = join(dataDir, 'sandbox-passed.json');
  }

  /** true when `sha256` passed with the probe `probe` under a limit no larger than `memoryMb` */
  async has(sha256: string, memoryMb: number, probe: string): Promise<boolean> {
    const here = passedInProcess.get(`${sha256}:${probe}`);
    if (here !== undefined && here <= memoryMb) return true;
    return (await this.current()).some((model) => model.sha256 === sha256 && model.probe === probe && model.memoryMb <= memoryMb);
  }

  async add(sha256: string, memoryMb: number, probe: string): Promise<void> {
    const key = `${sha256}:${probe}`;
    passedInProcess.set(key, Math.min(memoryMb, passedInProcess.get(key) ?? memoryMb));
    const kept = (await this.current()).filter((model) => model.sha256 !== sha256 || model.probe !== probe);
    const next = [...kept, { sha256, probe, memoryMb }].slice(-MAX_KEPT);
    await writeFileAtomic(this.path, JSON.stringify({ models: next }, null, 2));
    this.models = next;
  }

  private async current(): Promise<Passed[]> {
    if (this.models) return this.models;
    await removeLeftoverTemps(this.path);
    const read = await readTextIfExists(this.path);
    let models: Passed[] = [];
    if (read.kind === 'ok') {
      // Unreadable: nothing is known to have passed, so everything is checked again (safe side).
      try {
        const parsed = fileSchema.safeParse(JSON.parse(read.text));
        if (parsed.success) models = parsed.data.models;
      } catch {
        models = [];
      }
    }
    this.models = models;
    return models;
  }
}
