/**
 * dataDir/state.json and dataDir/trust.json: the agent's persisted facts. Parsed at the edge
 * with schemas, so the core only ever sees typed values; anything unreadable is reported as
 * such rather than silently replaced (that would reset lastSeq and re-open replay attacks).
 */
import { envelopeSchema, releaseManifestSchema, reportedErrorSchema, type Envelope } from '@edgefleet/protocol';
import { join } from 'node:path';
import { z } from 'zod';
import type { AttemptRecord, AttemptStore, PersistedState } from '@edgefleet/device-core';
import { readTextIfExists, removeLeftoverTemps, writeFileAtomic } from './atomic-file';

const installedSchema = z.strictObject({ envelope: envelopeSchema, manifest: releaseManifestSchema });

const persistedStateSchema = z.strictObject({
  v: z.literal(1),
  lastSeq: z.number().int().min(0),
  desired: z
    .strictObject({
      seq: z.number().int().min(1),
      expires: z.string(),
      envelope: envelopeSchema,
      release: installedSchema,
      downgrade: z.boolean(),
      statsIntervalS: z.number().int().min(1).optional(),
      shadow: installedSchema.nullable().optional(),
    })
    .nullable(),
  active: installedSchema.nullable(),
  previous: installedSchema.nullable(),
  brokerUrl: z.string().nullable(),
  trustPinned: z.boolean(),
  failure: z
    .strictObject({ seq: z.number().int(), sha256: z.string(), error: reportedErrorSchema, transient: z.boolean() })
    .nullable(),
});

// Compile-time guard: the schema and the core type must describe the same record.
const _sameShape: (value: z.infer<typeof persistedStateSchema>) => PersistedState = (value) => value;
void _sameShape;

const trustFileSchema = z.strictObject({ envelope: envelopeSchema });

/** dataDir/install-attempts.json (device-core reconcile/install-attempts.ts): a few records of the current doc. */
const attemptsFileSchema = z.strictObject({
  attempts: z
    .array(z.strictObject({ seq: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/), shadow: z.boolean(), begun: z.number().int().min(1) }))
    .max(16),
});

export type Loaded<T> = { kind: 'missing' } | { kind: 'ok'; value: T } | { kind: 'corrupt'; reason: string };

export class AgentStore {
  readonly statePath: string;
  readonly trustPath: string;
  readonly attemptsPath: string;

  constructor(dataDir: string) {
    this.statePath = join(dataDir, 'state.json');
    this.trustPath = join(dataDir, 'trust.json');
    this.attemptsPath = join(dataDir, 'install-attempts.json');
  }

  /**
   * Install attempts, counted before each risky step so they survive the agent being killed in
   * it. An unreadable file counts as none: it only ever costs one more round of attempts.
   */
  readonly installAttempts: AttemptStore = {
    load: async (): Promise<AttemptRecord[]> => {
      await removeLeftoverTemps(this.attemptsPath);
      const loaded = parseFile(await readTextIfExists(this.attemptsPath), attemptsFileSchema);
      return loaded.kind === 'ok' ? loaded.value.attempts : [];
    },
    save: (attempts) => writeFileAtomic(this.attemptsPath, JSON.stringify({ attempts }, null, 2)),
  };

  async loadState(): Promise<Loaded<PersistedState>> {
    await removeLeftoverTemps(this.statePath);
    return parseFile(await readTextIfExists(this.statePath), persistedStateSchema);
  }

  saveState(state: PersistedState): Promise<void> {
    return writeFileAtomic(this.statePath, JSON.stringify(state, null, 2));
  }

  /** The pinned trust envelope, exactly as verified (signature checked again by the caller). */
  async loadTrust(): Promise<Loaded<Envelope>> {
    await removeLeftoverTemps(this.trustPath);
    const loaded = parseFile(await readTextIfExists(this.trustPath), trustFileSchema);
    return loaded.kind === 'ok' ? { kind: 'ok', value: loaded.value.envelope } : loaded;
  }

  saveTrust(envelope: Envelope): Promise<void> {
    return writeFileAtomic(this.trustPath, JSON.stringify({ envelope }, null, 2));
  }
}

function parseFile<S extends z.ZodType>(read: Awaited<ReturnType<typeof readTextIfExists>>, schema: S): Loaded<z.infer<S>> {
  if (read.kind === 'missing') return read;
  let json: unknown;
  try {
    json = JSON.parse(read.text);
  } catch {
    return { kind: 'corrupt', reason: 'not valid JSON (truncated?)' };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { kind: 'ok', value: parsed.data } : { kind: 'corrupt', reason: parsed.error.issues[0]?.message ?? 'schema mismatch' };
}
