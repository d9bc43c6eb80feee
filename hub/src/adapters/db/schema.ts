/**
 * The registry's tables. SQLite is the source of truth; retained MQTT messages are a cache of it
 * (ARCHITECTURE rule 7). JSON columns hold protocol values that were validated at the edge.
 * Self-contained on purpose: drizzle-kit loads this file on its own to generate migrations.
 */
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

type Json = unknown;

export const devices = sqliteTable('devices', {
  id: text('id').primaryKey(),
  /** `hmac-sha256$<keyid>$<hash>` (adapters/secrets.ts); rows of older hubs `scrypt$N$r$p$salt$hash`, upgraded on the next good login */
  secretHash: text('secret_hash').notNull(),
  ring: text('ring').notNull(),
  tags: text('tags', { mode: 'json' }).$type<Record<string, string>>().notNull(),
  createdAt: text('created_at').notNull(),
  online: integer('online', { mode: 'boolean' }).notNull().default(false),
  lastSeenAt: text('last_seen_at'),
  reportedState: text('reported_state', { mode: 'json' }).$type<Json>(),
  lastErrorCode: text('last_error_code'),
  /** set by DELETE /api/v1/devices/{id}: the device can no longer authenticate; its history stays */
  decommissionedAt: text('decommissioned_at'),
});

export const models = sqliteTable('models', {
  name: text('name').primaryKey(),
  createdAt: text('created_at').notNull(),
});

export const modelVersions = sqliteTable(
  'model_versions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    model: text('model')
      .notNull()
      .references(() => models.name),
    version: text('version').notNull(),
    releaseCounter: integer('release_counter').notNull(),
    sha256: text('sha256').notNull(),
    size: integer('size').notNull(),
    io: text('io', { mode: 'json' }).$type<Json>().notNull(),
    opset: integer('opset'),
    probe: text('probe', { mode: 'json' }).$type<Json>().notNull(),
    /** the signed release manifest envelope, exactly as signed */
    manifest: text('manifest', { mode: 'json' }).$type<Json>().notNull(),
    createdAt: text('created_at').notNull(),
    /** set by POST .../archive: hidden from lists, refused for new use (assignment, shadow, rollout, quantization); devices running it keep it */
    archivedAt: text('archived_at'),
    /**
     * set by DELETE .../versions/{version}: the row stays as a tombstone (its label and release
     * counter are never reused; audit, lineage parents and statistics still name it), its files go
     */
    deletedAt: text('deleted_at'),
  },
  (t) => [
    uniqueIndex('model_versions_model_version').on(t.model, t.version),
    uniqueIndex('model_versions_model_counter').on(t.model, t.releaseCounter),
    // Deleting a version removes its file only when no other version has the same bytes.
    index('model_versions_sha256').on(t.sha256),
  ],
);

export const assignments = sqliteTable('assignments', {
  deviceId: text('device_id')
    .primaryKey()
    .references(() => devices.id),
  model: text('model').notNull(),
  version: text('version').notNull(),
  seq: integer('seq').notNull(),
  /** the signed deployment doc envelope, republished retained on every start */
  doc: text('doc', { mode: 'json' }).$type<Json>().notNull(),
  previousModel: text('previous_model'),
  previousVersion: text('previous_version'),
  assignedAt: text('assigned_at').notNull(),
  /** the release the doc runs in shadow mode beside the assigned one (null: none) */
  shadowModel: text('shadow_model'),
  shadowVersion: text('shadow_version'),
});

/** PROTOCOL: seq strictly increases per device; bumped and committed before anything is published. */
export const deviceSeq = sqliteTable('device_seq', {
  deviceId: text('device_id')
    .primaryKey()
    .references(() => devices.id),
  seq: integer('seq').notNull(),
});

export const events = sqliteTable(
  'events',
  {
    deviceId: text('device_id').notNull(),
    /** the device's own event id: the dedupe key (never the MQTT packet id) */
    eventId: text('event_id').notNull(),
    kind: text('kind').notNull(),
    code: text('code'),
    at: text('at').notNull(),
    receivedAt: text('received_at').notNull(),
    body: text('body', { mode: 'json' }).$type<Json>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.deviceId, t.eventId] }), index('events_at').on(t.at)],
);

export const audit = sqliteTable(
  'audit',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: text('at').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    subject: text('subject').notNull(),
    details: text('details', { mode: 'json' }).$type<Json>().notNull().default(sql`'{}'`),
  },
  (t) => [index('audit_subject').on(t.subject, t.id)],
);

/** Datasets are content-addressed and immutable: a dataset version is the SHA-256 of its CSV bytes. */
export const datasets = sqliteTable(
  'datasets',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    rows: integer('rows').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    /** inferred column kinds, in file order */
    columns: text('columns', { mode: 'json' }).$type<Json>().notNull(),
    /** the exploration summary per column */
    summary: text('summary', { mode: 'json' }).$type<Json>().notNull(),
    createdAt: text('created_at').notNull(),
    /** set by POST /api/v1/datasets/{id}/archive: hidden from lists, no new training runs or references on it */
    archivedAt: text('archived_at'),
    /**
     * set by DELETE /api/v1/datasets/{id}: the file is gone and the row is a tombstone (training
     * runs keep naming it); the same bytes uploaded again bring the row back to life
     */
    deletedAt: text('deleted_at'),
  },
  (t) => [index('datasets_name').on(t.name, t.createdAt)],
);

/**
 * One training run (an experiment): what was asked, what ran, and what it produced, so any
 * model version can be traced back to its data, parameters and code (what MLflow tracks).
 */
export const trainingRuns = sqliteTable(
  'training_runs',
  {
    id: text('id').primaryKey(),
    status: text('status').notNull(),
    /** the validated request, as given */
    request: text('request', { mode: 'json' }).$type<Json>().notNull(),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id),
    model: text('model').notNull(),
    progress: integer('progress_permille').notNull().default(0),
    stage: text('stage').notNull().default('queued'),
    /** per-epoch metrics of the final fit, and every search trial */
    epochs: text('epochs', { mode: 'json' }).$type<Json>().notNull().default(sql`'[]'`),
    trials: text('trials', { mode: 'json' }).$type<Json>().notNull().default(sql`'[]'`),
    params: text('params', { mode: 'json' }).$type<Json>(),
    metrics: text('metrics', { mode: 'json' }).$type<Json>(),
    baselineMetrics: text('baseline_metrics', { mode: 'json' }).$type<Json>(),
    error: text('error', { mode: 'json' }).$type<Json>(),
    codeVersion: text('code_version').notNull(),
    resultVersion: text('result_version'),
    /** what started the run when no person did: `{ kind: 'drift', alert, version }` (continuous training) */
    trigger: text('trigger', { mode: 'json' }).$type<Json>(),
    createdAt: text('created_at').notNull(),
    startedAt: text('started_at'),
    finishedAt: text('finished_at'),
    durationMs: integer('duration_ms'),
    /**
     * The replica whose worker holds the run (issue 12): it plans a search, or executes the run
     * (a search's final fit once every trial is done). Kept once finished: who finished it.
     */
    claimedBy: text('claimed_by'),
    /** the claim's lease (epoch ms): renewed while the holder works; once past, another replica may claim the run */
    claimedUntilMs: integer('claimed_until_ms'),
    /** how many times the run has been claimed: more than 1 means a replica resumed it */
    attempts: integer('attempts').notNull().default(0),
  },
  (t) => [index('training_runs_created').on(t.createdAt), index('training_runs_status').on(t.status, t.createdAt)],
);

/**
 * One trial of a run's hyperparameter search (issue 12): a unit of work a replica's worker claims
 * on its own, so a search spreads over every replica. Rows are written when the run's search is
 * planned; the run's final fit is claimable once none is queued or running.
 */
export const trainingTrials = sqliteTable(
  'training_trials',
  {
    runId: text('run_id')
      .notNull()
      .references(() => trainingRuns.id),
    index: integer('trial_index').notNull(),
    /** the search point: the params this trial sets over the run's own */
    params: text('params', { mode: 'json' }).$type<Json>().notNull(),
    /** queued | running | succeeded | failed | cancelled */
    status: text('status').notNull(),
    /** the run's createdAt: trials are claimed oldest run first */
    queuedAt: text('queued_at').notNull(),
    /** the replica running the trial (kept once finished: who ran it) and its lease (epoch ms) */
    claimedBy: text('claimed_by'),
    claimedUntilMs: integer('claimed_until_ms'),
    attempts: integer('attempts').notNull().default(0),
    progress: integer('progress_permille').notNull().default(0),
    /** per-epoch metrics, each tagged with the trial index */
    epochs: text('epochs', { mode: 'json' }).$type<Json>().notNull().default(sql`'[]'`),
    /** headline metrics on the validation split */
    metrics: text('metrics', { mode: 'json' }).$type<Json>(),
    error: text('error', { mode: 'json' }).$type<Json>(),
    startedAt: text('started_at'),
    finishedAt: text('finished_at'),
  },
  (t) => [primaryKey({ columns: [t.runId, t.index] }), index('training_trials_status').on(t.status, t.queuedAt)],
);

export const trainingLogs = sqliteTable(
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

/**
 * Statistics windows already applied, keyed by the device's own msgId (the dedupe key, never the
 * MQTT packet id). Rows whose window is older than the retention horizon are pruned: such windows
 * are refused anyway, so their ids need not be remembered.
 */
export const statsMessages = sqliteTable(
  'stats_messages',
  {
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

/**
 * Statistics merged by addition per device x version x hour (of windowStart): the raw window
 * count never grows the table, only the number of device-hours does.
 */
export const statsBuckets = sqliteTable(
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
    merged: text('merged', { mode: 'json' }).$type<Json>().notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.deviceId, t.model, t.version, t.hour] }), index('stats_buckets_version_hour').on(t.model, t.version, t.hour)],
);

/**
 * Shadow-mode comparisons (ROLLOUTS "Shadow") merged by addition per device x serving version x
 * hour x shadow candidate. Kept apart from stats_buckets because the two merge differently: a
 * serving version's statistics sum across devices running any shadow (or none), while a shadow
 * section only ever sums with one of the same candidate (protocol mergeShadow refuses others),
 * and a device's shadow can change within an hour. `merged` is a protocol ShadowStats.
 */
export const shadowBuckets = sqliteTable(
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
    merged: text('merged', { mode: 'json' }).$type<Json>().notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.deviceId, t.model, t.version, t.hour, t.shadowModel, t.shadowVersion, t.shadowSha256] }),
    index('shadow_buckets_candidate_hour').on(t.shadowModel, t.shadowVersion, t.hour),
  ],
);

/**
 * Drift alerts (DRIFT "Deciding drift"): at most one open alert per model version and scope, kept
 * up to date by every evaluation and resolved after enough quiet ones.
 */
export const alerts = sqliteTable(
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
    signals: text('signals', { mode: 'json' }).$type<Json>().notNull(),
    /** the latest evaluation's evidence: statistics, thresholds, flagged devices */
    evidence: text('evidence', { mode: 'json' }).$type<Json>().notNull(),
    /** evaluations in a row that alarmed (while open) or were quiet (counts towards resolving) */
    alarmingEvaluations: integer('alarming_evaluations').notNull().default(0),
    quietEvaluations: integer('quiet_evaluations').notNull().default(0),
    openedAt: text('opened_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    resolvedAt: text('resolved_at'),
  },
  (t) => [index('alerts_version').on(t.model, t.version, t.scope, t.status), index('alerts_opened').on(t.openedAt)],
);

/**
 * Outgoing webhook notifications (alerts, rollout halts and rollbacks), written in the same
 * transaction as what they announce and delivered with retries, so a crash loses none.
 */
export const notifications = sqliteTable(
  'notifications',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** e.g. `alert.opened`, `alert.resolved`, `rollout.halted` */
    kind: text('kind').notNull(),
    payload: text('payload', { mode: 'json' }).$type<Json>().notNull(),
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

/**
 * Ground-truth labels that arrived after the prediction (issue 5 "Feedback"): one row per
 * labelled prediction id, or per (window, predicted, label) tally.
 */
export const feedbackLabels = sqliteTable(
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
    count: integer('count').notNull(),
    receivedAt: text('received_at').notNull(),
  },
  (t) => [index('feedback_version_time').on(t.model, t.version, t.predictedAt), index('feedback_device').on(t.deviceId, t.predictedAt)],
);

/** Rings (ROLLOUTS.md): named and ordered; devices name theirs. Ring 0 (the lowest position) is the canary. */
export const rings = sqliteTable('rings', {
  name: text('name').primaryKey(),
  position: integer('position').notNull(),
  description: text('description').notNull().default(''),
  createdAt: text('created_at').notNull(),
});

/** One model version going out through a plan; its status is what the controller persists each tick. */
export const rollouts = sqliteTable(
  'rollouts',
  {
    id: text('id').primaryKey(),
    model: text('model').notNull(),
    version: text('version').notNull(),
    /** the validated plan, defaults filled in */
    plan: text('plan', { mode: 'json' }).$type<Json>().notNull(),
    state: text('state').notNull(),
    step: integer('step').notNull(),
    stepStartedAt: text('step_started_at').notNull(),
    advance: integer('advance', { mode: 'boolean' }).notNull().default(false),
    reverted: integer('reverted', { mode: 'boolean' }).notNull().default(false),
    halt: text('halt', { mode: 'json' }).$type<Json>(),
    /** the current gate step's latest report, for the API and console */
    gate: text('gate', { mode: 'json' }).$type<Json>(),
    supersedes: text('supersedes'),
    supersededBy: text('superseded_by'),
    createdBy: text('created_by').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('rollouts_model_state').on(t.model, t.state), index('rollouts_created').on(t.createdAt)],
);

/** The devices a rollout touched, what each had before (its rollback target) and where it stands. */
export const rolloutMembers = sqliteTable(
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
    assignedSeq: integer('assigned_seq'),
    assignedAt: text('assigned_at').notNull(),
    status: text('status').notNull(),
    error: text('error'),
  },
  (t) => [primaryKey({ columns: [t.rolloutId, t.deviceId] }), index('rollout_members_device').on(t.deviceId)],
);

/**
 * Singleton work (the scheduled jobs) is run by the replica holding its lease until `expires_at_ms`
 * (epoch ms); `token` grows each time the lease changes hands (a fencing token). One row per lease.
 */
export const leases = sqliteTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAtMs: integer('expires_at_ms').notNull(),
  token: integer('token').notNull(),
});

/**
 * Signed-in admin sessions of the console (issue 13): the cookie holds a random secret, stored
 * here only as its SHA-256, so a copy of the database opens no session. Shared by every replica.
 */
export const adminSessions = sqliteTable(
  'admin_sessions',
  {
    /** SHA-256 (hex) of the cookie's secret */
    idHash: text('id_hash').primaryKey(),
    /** what state-changing requests must echo in X-CSRF-Token */
    csrfToken: text('csrf_token').notNull(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    /** the scope of the token that signed in (sessions from before scoped tokens came from the bootstrap token: admin) */
    scope: text('scope').$type<'read' | 'operator' | 'admin'>().notNull().default('admin'),
    /** the admin token (`admin_tokens.id`) that signed in; null for the bootstrap token */
    tokenId: text('token_id'),
  },
  (t) => [index('admin_sessions_expires').on(t.expiresAt), index('admin_sessions_token').on(t.tokenId)],
);

/** One-time console sign-in links (`npm run demo` prints one): the SHA-256 of the code, used once, then gone. */
export const adminSignInLinks = sqliteTable(
  'admin_sign_in_links',
  {
    idHash: text('id_hash').primaryKey(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    /** the session it opens gets its maker's scope and token, never more */
    scope: text('scope').$type<'read' | 'operator' | 'admin'>().notNull().default('admin'),
    tokenId: text('token_id'),
  },
  (t) => [index('admin_sign_in_links_expires').on(t.expiresAt), index('admin_sign_in_links_token').on(t.tokenId)],
);

/**
 * Browser enrolment tokens (issue 14): an operator's token lets up to `max_enrolments` pages enrol
 * themselves as devices of `ring` until `expires_at` or until revoked. Only the token's SHA-256
 * is kept, so a copy of the database enrols nobody; `used` grows in one conditional update per
 * enrolment (adapters/db/enrolment-tokens.ts), so replicas together never pass the maximum.
 */
export const enrolmentTokens = sqliteTable(
  'enrolment_tokens',
  {
    id: text('id').primaryKey(),
    /** SHA-256 (hex) of the token */
    tokenHash: text('token_hash').notNull(),
    ring: text('ring').notNull(),
    /** extra tags for the devices it enrols (beside `kind: browser`) */
    tags: text('tags', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    maxEnrolments: integer('max_enrolments').notNull(),
    used: integer('used').notNull().default(0),
    label: text('label').notNull().default(''),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    revokedAt: text('revoked_at'),
  },
  (t) => [uniqueIndex('enrolment_tokens_token_hash').on(t.tokenHash), index('enrolment_tokens_created').on(t.createdAt)],
);

/**
 * Scoped admin tokens (issue 16): `read`, `operator` or `admin` (services/admin-tokens/scopes.ts),
 * created, rotated and revoked through the admin API beside the bootstrap token of the data dir.
 * Only the token's SHA-256 is kept, so a copy of the database authenticates nobody. Names are
 * unique for good, revoked tokens included: the audit trail says `token:<name>`, and a name that
 * came back would make old rows point at the wrong holder.
 */
export const adminTokens = sqliteTable(
  'admin_tokens',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    scope: text('scope').$type<'read' | 'operator' | 'admin'>().notNull(),
    /** SHA-256 (hex) of the token; replaced by a rotation */
    tokenHash: text('token_hash').notNull(),
    createdAt: text('created_at').notNull(),
    /** the audit actor that created it */
    createdBy: text('created_by').notNull(),
    /** null: until revoked */
    expiresAt: text('expires_at'),
    /** written at most once a minute per replica (services/admin-tokens) */
    lastUsedAt: text('last_used_at'),
    rotatedAt: text('rotated_at'),
    revokedAt: text('revoked_at'),
  },
  (t) => [uniqueIndex('admin_tokens_token_hash').on(t.tokenHash), uniqueIndex('admin_tokens_name').on(t.name), index('admin_tokens_created').on(t.createdAt)],
);
