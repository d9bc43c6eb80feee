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
  /** `scrypt$N$r$p$salt$hash`: params travel with the hash so they can be raised later */
  secretHash: text('secret_hash').notNull(),
  ring: text('ring').notNull(),
  tags: text('tags', { mode: 'json' }).$type<Record<string, string>>().notNull(),
  createdAt: text('created_at').notNull(),
  online: integer('online', { mode: 'boolean' }).notNull().default(false),
  lastSeenAt: text('last_seen_at'),
  reportedState: text('reported_state', { mode: 'json' }).$type<Json>(),
  lastErrorCode: text('last_error_code'),
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
  },
  (t) => [uniqueIndex('model_versions_model_version').on(t.model, t.version), uniqueIndex('model_versions_model_counter').on(t.model, t.releaseCounter)],
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
