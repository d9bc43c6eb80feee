/**
 * The registry's tables for PostgreSQL (issue 12): a mirror of ../schema.ts, the SQLite schema, with
 * the same table, column, index and constraint names so one repository layer can serve both
 * drivers. hub/test/adapters/db/schema-parity.test.ts keeps the two equal; change both together.
 * What each table is for is told in ../schema.ts; only what a column means is repeated here.
 *
 * Types are mapped so values reach the code exactly as SQLite gives them:
 * - timestamps stay ISO `text`, not `timestamptz`: the code compares and orders ISO strings;
 * - `integer({ mode: 'boolean' })` is `boolean`, `text({ mode: 'json' })` is `jsonb` (same `$type`);
 * - integers that can pass 2^31 (byte sizes, seqs and release counters, which the protocol bounds
 *   only by Number.MAX_SAFE_INTEGER, durations in ms) are `bigint({ mode: 'number' })`; bounded
 *   counts and positions are `integer`;
 * - SQLite's `integer primary key autoincrement` is `generated always as identity`: like
 *   AUTOINCREMENT only the database assigns ids (nothing inserts its own), and unlike `serial` the
 *   sequence belongs to the column, so no separate grant or ownership can drift. `bigint` where
 *   rows pile up for the fleet's life (audit: a row per presence change; notifications), `integer`
 *   for model versions.
 * Self-contained like ../schema.ts: drizzle-kit loads this file on its own (drizzle.pg.config.ts).
 */
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';

type Json = unknown;

export const devices = pgTable('devices', {
  id: text('id').primaryKey(),
  /** `hmac-sha256$<keyid>$<hash>` (adapters/secrets.ts); rows of older hubs `scrypt$N$r$p$salt$hash`, upgraded on the next good login */
  secretHash: text('secret_hash').notNull(),
  ring: text('ring').notNull(),
  tags: jsonb('tags').$type<Record<string, string>>().notNull(),
  createdAt: text('created_at').notNull(),
  online: boolean('online').notNull().default(false),
  lastSeenAt: text('last_seen_at'),
  reportedState: jsonb('reported_state').$type<Json>(),
  lastErrorCode: text('last_error_code'),
  /** set by DELETE /api/v1/devices/{id}: the device can no longer authenticate; its history stays */
  decommissionedAt: text('decommissioned_at'),
});

export const models = pgTable('models', {
  name: text('name').primaryKey(),
  createdAt: text('created_at').notNull(),
});

export const modelVersions = pgTable(
  'model_versions',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    model: text('model')
      .notNull()
      .references(() => models.name),
    version: text('version').notNull(),
    releaseCounter: bigint('release_counter', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    /** bytes of the ONNX file */
    size: bigint('size', { mode: 'number' }).notNull(),
    io: jsonb('io').$type<Json>().notNull(),
    opset: integer('opset'),
    probe: jsonb('probe').$type<Json>().notNull(),
    /** the signed release manifest envelope, exactly as signed */
    manifest: jsonb('manifest').$type<Json>().notNull(),
    createdAt: text('created_at').notNull(),
    archivedAt: text('archived_at'),
    /** the row stays as a tombstone once deleted */
    deletedAt: text('deleted_at'),
  },
  (t) => [
    uniqueIndex('model_versions_model_version').on(t.model, t.version),
    uniqueIndex('model_versions_model_counter').on(t.model, t.releaseCounter),
    index('model_versions_sha256').on(t.sha256),
  ],
);

export const assignments = pgTable('assignments', {
  deviceId: text('device_id')
    .primaryKey()
    .references(() => devices.id),
  model: text('model').notNull(),
  version: text('version').notNull(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  /** the signed deployment doc envelope, republished retained on every start */
  doc: jsonb('doc').$type<Json>().notNull(),
  previousModel: text('previous_model'),
  previousVersion: text('previous_version'),
  assignedAt: text('assigned_at').notNull(),
  /** the release the doc runs in shadow mode beside the assigned one (null: none) */
  shadowModel: text('shadow_model'),
  shadowVersion: text('shadow_version'),
});

/** PROTOCOL: seq strictly increases per device; bumped and committed before anything is published. */
export const deviceSeq = pgTable('device_seq', {
  deviceId: text('device_id')
    .primaryKey()
    .references(() => devices.id),
  seq: bigint('seq', { mode: 'number' }).notNull(),
});

export const events = pgTable(
  'events',
  {
    deviceId: text('device_id').notNull(),
    /** the device's own event id: the dedupe key (never the MQTT packet id) */
    eventId: text('event_id').notNull(),
    kind: text('kind').notNull(),
    code: text('code'),
    at: text('at').notNull(),
    receivedAt: text('received_at').notNull(),
    body: jsonb('body').$type<Json>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.deviceId, t.eventId] }), index('events_at').on(t.at)],
);

export const audit = pgTable(
  'audit',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: text('at').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    subject: text('subject').notNull(),
    details: jsonb('details').$type<Json>().notNull().default({}),
  },
  (t) => [index('audit_subject').on(t.subject, t.id)],
);

export const datasets = pgTable(
  'datasets',
  {
    /** the SHA-256 of the CSV bytes: datasets are content-addressed and immutable */
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    rows: integer('rows').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    /** inferred column kinds, in file order */
    columns: jsonb('columns').$type<Json>().notNull(),
    /** the exploration summary per column */
    summary: jsonb('summary').$type<Json>().notNull(),
    createdAt: text('created_at').notNull(),
    archivedAt: text('archived_at'),
    /** the row stays as a tombstone once deleted; the same bytes uploaded again revive it */
    deletedAt: text('deleted_at'),
  },
  (t) => [index('datasets_name').on(t.name, t.createdAt)],
);

export const trainingRuns = pgTable(
  'training_runs',
  {
    id: text('id').primaryKey(),
    status: text('status').notNull(),
    /** the validated request, as given */
    request: jsonb('request').$type<Json>().notNull(),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id),
    model: text('model').notNull(),
    progress: integer('progress_permille').notNull().default(0),
    stage: text('stage').notNull().default('queued'),
    /** per-epoch metrics of the final fit, and every search trial */
    epochs: jsonb('epochs').$type<Json>().notNull().default([]),
    trials: jsonb('trials').$type<Json>().notNull().default([]),
    params: jsonb('params').$type<Json>(),
    metrics: jsonb('metrics').$type<Json>(),
    baselineMetrics: jsonb('baseline_metrics').$type<Json>(),
    error: jsonb('error').$type<Json>(),
    codeVersion: text('code_version').notNull(),
    resultVersion: text('result_version'),
    /** what started the run when no person did: `{ kind: 'drift', alert, version }` (continuous training) */
    trigger: jsonb('trigger').$type<Json>(),
    createdAt: text('created_at').notNull(),
    startedAt: text('started_at'),
    finishedAt: text('finished_at'),
    /** wall-clock time from start to finish; a long run would pass 2^31 ms (24.8 days) */
    durationMs: bigint('duration_ms', { mode: 'number' }),
    claimedBy: text('claimed_by'),
    /** epoch ms */
    claimedUntilMs: bigint('claimed_until_ms', { mode: 'number' }),
    attempts: integer('attempts').notNull().default(0),
  },
  (t) => [index('training_runs_created').on(t.createdAt), index('training_runs_status').on(t.status, t.createdAt)],
);

export const trainingTrials = pgTable(
  'training_trials',
  {
    runId: text('run_id')
      .notNull()
      .references(() => trainingRuns.id),
    index: integer('trial_index').notNull(),
    params: jsonb('params').$type<Json>().notNull(),
    status: text('status').notNull(),
    queuedAt: text('queued_at').notNull(),
    claimedBy: text('claimed_by'),
    /** epoch ms */
    claimedUntilMs: bigint('claimed_until_ms', { mode: 'number' }),
    attempts: integer('attempts').notNull().default(0),
    progress: integer('progress_permille').notNull().default(0),
    epochs: jsonb('epochs').$type<Json>().notNull().default([]),
    metrics: jsonb('metrics').$type<Json>(),
    error: jsonb('error').$type<Json>(),
    startedAt: text('started_at'),
    finishedAt: text('finished_at'),
  },
  (t) => [primaryKey({ columns: [t.runId, t.index] }), index('training_trials_status').on(t.status, t.queuedAt)],
);

export const trainingLogs = pgTable(
  'training_logs',
  {
    runId: text('run_id')
      .notNull()
      .references(() => trainingRuns.id),
    seq: integer('seq').notNull(),
    at: text('at').notNull(),
    level: text('level').notNull(),
    message: text('message').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.seq] })],
);

export const statsMessages = pgTable(
  'stats_messages',
  {
    /** the device's own msgId (the dedupe key, never the MQTT packet id) */
    msgId: text('msg_id').primaryKey(),
    deviceId: text('device_id').notNull(),
    /** what the window counted (null on rows from before labels could refer to windows) */
    model: text('model'),
    version: text('version'),
    windowStart: text('window_start').notNull(),
    receivedAt: text('received_at').notNull(),
  },
  (t) => [index('stats_messages_window_start').on(t.windowStart)],
);

export const statsBuckets = pgTable(
  'stats_buckets',
  {
    deviceId: text('device_id').notNull(),
    model: text('model').notNull(),
    version: text('version').notNull(),
    /** the hour the merged windows start in, ISO `YYYY-MM-DDTHH:00:00.000Z` */
    hour: text('hour').notNull(),
    sha256: text('sha256').notNull(),
    /** windows merged into this bucket */
    windows: integer('windows').notNull(),
    /** the merged StatsWindow */
    merged: jsonb('merged').$type<Json>().notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.deviceId, t.model, t.version, t.hour] }), index('stats_buckets_version_hour').on(t.model, t.version, t.hour)],
);

export const shadowBuckets = pgTable(
  'shadow_buckets',
  {
    deviceId: text('device_id').notNull(),
    /** the serving version the shadow was compared with */
    model: text('model').notNull(),
    version: text('version').notNull(),
    hour: text('hour').notNull(),
    shadowModel: text('shadow_model').notNull(),
    shadowVersion: text('shadow_version').notNull(),
    shadowSha256: text('shadow_sha256').notNull(),
    /** windows whose shadow section was merged into this bucket */
    windows: integer('windows').notNull(),
    /** a protocol ShadowStats */
    merged: jsonb('merged').$type<Json>().notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    // Named: drizzle's default name (every column joined) passes PostgreSQL's 63-byte identifier limit and would be cut.
    primaryKey({ name: 'shadow_buckets_pk', columns: [t.deviceId, t.model, t.version, t.hour, t.shadowModel, t.shadowVersion, t.shadowSha256] }),
    index('shadow_buckets_candidate_hour').on(t.shadowModel, t.shadowVersion, t.hour),
  ],
);

export const alerts = pgTable(
  'alerts',
  {
    id: text('id').primaryKey(),
    model: text('model').notNull(),
    version: text('version').notNull(),
    /** `fleet`, or `ring:<name>` */
    scope: text('scope').notNull(),
    status: text('status').notNull(),
    /** `warning` or `drift` */
    severity: text('severity').notNull(),
    /** the alarming signals (feature, output or ood names) */
    signals: jsonb('signals').$type<Json>().notNull(),
    /** the latest evaluation's evidence: statistics, thresholds, flagged devices */
    evidence: jsonb('evidence').$type<Json>().notNull(),
    /** evaluations in a row that alarmed (while open) or were quiet (counts towards resolving) */
    alarmingEvaluations: integer('alarming_evaluations').notNull().default(0),
    quietEvaluations: integer('quiet_evaluations').notNull().default(0),
    openedAt: text('opened_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    resolvedAt: text('resolved_at'),
  },
  (t) => [index('alerts_version').on(t.model, t.version, t.scope, t.status), index('alerts_opened').on(t.openedAt)],
);

export const notifications = pgTable(
  'notifications',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** e.g. `alert.opened`, `alert.resolved`, `rollout.halted` */
    kind: text('kind').notNull(),
    payload: jsonb('payload').$type<Json>().notNull(),
    createdAt: text('created_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: text('next_attempt_at').notNull(),
    deliveredAt: text('delivered_at'),
    /** `pending`, `delivered`, `failed` (gave up), or `skipped` (no webhook configured) */
    status: text('status').notNull(),
    lastError: text('last_error'),
  },
  (t) => [index('notifications_pending').on(t.status, t.nextAttemptAt)],
);

export const feedbackLabels = pgTable(
  'feedback_labels',
  {
    /** `p:<prediction id>` or `w:<window msgId>:<predicted>:<label>` */
    key: text('key').primaryKey(),
    model: text('model').notNull(),
    version: text('version').notNull(),
    deviceId: text('device_id').notNull(),
    /** when the prediction was made (the window start for window tallies) */
    predictedAt: text('predicted_at').notNull(),
    predicted: text('predicted').notNull(),
    label: text('label').notNull(),
    /** the API bounds a tally to 1e9, below 2^31 */
    count: integer('count').notNull(),
    receivedAt: text('received_at').notNull(),
  },
  (t) => [index('feedback_version_time').on(t.model, t.version, t.predictedAt), index('feedback_device').on(t.deviceId, t.predictedAt)],
);

export const rings = pgTable('rings', {
  name: text('name').primaryKey(),
  /** ring 0 (the lowest position) is the canary */
  position: integer('position').notNull(),
  description: text('description').notNull().default(''),
  createdAt: text('created_at').notNull(),
});

export const rollouts = pgTable(
  'rollouts',
  {
    id: text('id').primaryKey(),
    model: text('model').notNull(),
    version: text('version').notNull(),
    /** the validated plan, defaults filled in */
    plan: jsonb('plan').$type<Json>().notNull(),
    state: text('state').notNull(),
    step: integer('step').notNull(),
    stepStartedAt: text('step_started_at').notNull(),
    advance: boolean('advance').notNull().default(false),
    reverted: boolean('reverted').notNull().default(false),
    halt: jsonb('halt').$type<Json>(),
    /** the current gate step's latest report, for the API and console */
    gate: jsonb('gate').$type<Json>(),
    supersedes: text('supersedes'),
    supersededBy: text('superseded_by'),
    createdBy: text('created_by').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('rollouts_model_state').on(t.model, t.state), index('rollouts_created').on(t.createdAt)],
);

export const rolloutMembers = pgTable(
  'rollout_members',
  {
    rolloutId: text('rollout_id')
      .notNull()
      .references(() => rollouts.id),
    deviceId: text('device_id').notNull(),
    step: integer('step').notNull(),
    /** `active` (serves the rollout's version) or `shadow` (runs it beside what it serves) */
    mode: text('mode').notNull().default('active'),
    previousModel: text('previous_model'),
    previousVersion: text('previous_version'),
    /** the device seq of the doc that assigned it (a seq: safe-integer range) */
    assignedSeq: bigint('assigned_seq', { mode: 'number' }),
    assignedAt: text('assigned_at').notNull(),
    status: text('status').notNull(),
    error: text('error'),
  },
  (t) => [primaryKey({ columns: [t.rolloutId, t.deviceId] }), index('rollout_members_device').on(t.deviceId)],
);

/** Mirrors schema.ts `leases`: singleton work runs on the replica holding the lease; `token` fences. */
export const leases = pgTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAtMs: bigint('expires_at_ms', { mode: 'number' }).notNull(),
  token: bigint('token', { mode: 'number' }).notNull(),
});

export const adminSessions = pgTable(
  'admin_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    csrfToken: text('csrf_token').notNull(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    scope: text('scope').$type<'read' | 'operator' | 'admin'>().notNull().default('admin'),
    tokenId: text('token_id'),
  },
  (t) => [index('admin_sessions_expires').on(t.expiresAt), index('admin_sessions_token').on(t.tokenId)],
);

/** One-time console sign-in links (`npm run demo` prints one): the SHA-256 of the code, used once, then gone. */
export const adminSignInLinks = pgTable(
  'admin_sign_in_links',
  {
    idHash: text('id_hash').primaryKey(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    scope: text('scope').$type<'read' | 'operator' | 'admin'>().notNull().default('admin'),
    tokenId: text('token_id'),
  },
  (t) => [index('admin_sign_in_links_expires').on(t.expiresAt), index('admin_sign_in_links_token').on(t.tokenId)],
);

/** Browser enrolment tokens (issue 14): only the token's SHA-256 is kept; `used` grows in one conditional update. */
export const enrolmentTokens = pgTable(
  'enrolment_tokens',
  {
    id: text('id').primaryKey(),
    tokenHash: text('token_hash').notNull(),
    ring: text('ring').notNull(),
    tags: jsonb('tags').$type<Record<string, string>>().notNull(),
    /** bounded by the API (at most 100,000) */
    maxEnrolments: integer('max_enrolments').notNull(),
    used: integer('used').notNull().default(0),
    label: text('label').notNull().default(''),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    revokedAt: text('revoked_at'),
  },
  (t) => [uniqueIndex('enrolment_tokens_token_hash').on(t.tokenHash), index('enrolment_tokens_created').on(t.createdAt)],
);

/** Scoped admin tokens (issue 16): only the token's SHA-256 is kept; names are unique for good. */
export const adminTokens = pgTable(
  'admin_tokens',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    scope: text('scope').$type<'read' | 'operator' | 'admin'>().notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: text('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    expiresAt: text('expires_at'),
    lastUsedAt: text('last_used_at'),
    rotatedAt: text('rotated_at'),
    revokedAt: text('revoked_at'),
  },
  (t) => [uniqueIndex('admin_tokens_token_hash').on(t.tokenHash), uniqueIndex('admin_tokens_name').on(t.name), index('admin_tokens_created').on(t.createdAt)],
);
