/**
 * What still needs a model version or a dataset before it may be deleted (issue 15), on SQLite
 * or PostgreSQL (db.ts), and the lock that keeps a content-addressed file from being removed
 * while another replica registers a version (or a dataset) on the same bytes.
 */
import { inArray, sql } from 'drizzle-orm';
import { derivedRunSource, versionKey } from '../../core/lifecycle/content-refs';
import { HOLDERS_SHOWN, type DeviceHolders } from '../../core/lifecycle/refusals';
import type { Db } from './db';
import { assignments, devices, rolloutMembers, rollouts, trainingRuns } from './schema';

/**
 * Devices in service whose assignment (the deployment doc they act on) runs `model@version`: as
 * the active release, as the previous one kept for rollback, or as the shadow.
 */
export async function devicesHolding(db: Db, model: string, version: string): Promise<DeviceHolders> {
  const a = assignments;
  const active = sql`(${a.model} = ${model} AND ${a.version} = ${version})`;
  const previous = sql`(${a.previousModel} = ${model} AND ${a.previousVersion} = ${version})`;
  const shadow = sql`(${a.shadowModel} = ${model} AND ${a.shadowVersion} = ${version})`;
  const holding = sql`${a} JOIN ${devices} ON ${devices.id} = ${a.deviceId} WHERE ${devices.decommissionedAt} IS NULL AND (${active} OR ${previous} OR ${shadow})`;
  const shown = await db.rows<{ id: string; role: string }>(
    sql`SELECT ${a.deviceId} AS id, CASE WHEN ${active} THEN 'active' WHEN ${previous} THEN 'previous' ELSE 'shadow' END AS role FROM ${holding} ORDER BY ${a.deviceId} LIMIT ${HOLDERS_SHOWN}`,
  );
  const [total] = await db.rows<{ n: number | string }>(sql`SELECT count(*) AS n FROM ${holding}`);
  return { shown: shown.map((row) => ({ id: row.id, as: row.role === 'active' ? 'active' : row.role === 'previous' ? 'previous' : 'shadow' })), count: Number(total?.n ?? 0) };
}

/**
 * Rollouts that may still assign `model@version` or roll devices back to it (core/rollouts: a
 * running, paused or halted rollout acts on; the newest completed one of a model still takes late
 * enrolments and may be rolled back; an aborted one may be rolled back; a rolled-back one reverts
 * the members still reverting). A superseded rollout does nothing more.
 */
export async function rolloutsHolding(db: Db, model: string, version: string): Promise<string[]> {
  const r = rollouts;
  const m = rolloutMembers;
  const acting = sql`${r.supersededBy} IS NULL`;
  const own = sql`${r.model} = ${model} AND ${r.version} = ${version} AND ${r.state} IN ('running', 'paused', 'halted', 'completed')`;
  const rollbackTarget = sql`EXISTS (SELECT 1 FROM ${m} WHERE ${m.rolloutId} = ${r.id} AND ${m.previousModel} = ${model} AND ${m.previousVersion} = ${version}
    AND (${r.state} IN ('running', 'paused', 'halted', 'completed', 'aborted') OR (${r.state} = 'rolled-back' AND ${m.status} = 'reverting')))`;
  const rows = await db.rows<{ id: string }>(sql`SELECT ${r.id} AS id FROM ${r} WHERE ${acting} AND ((${own}) OR ${rollbackTarget}) ORDER BY ${r.createdAt}, ${r.id}`);
  return rows.map((row) => row.id);
}

/** Training runs queued or running on the dataset (they read its file). */
export async function runsUsingDataset(db: Db, datasetId: string): Promise<string[]> {
  const t = trainingRuns;
  const rows = await db.rows<{ id: string }>(sql`SELECT ${t.id} AS id FROM ${t} WHERE ${t.datasetId} = ${datasetId} AND ${t.status} IN ('queued', 'running') ORDER BY ${t.createdAt}, ${t.id}`);
  return rows.map((row) => row.id);
}

/**
 * Training runs queued or running that read `model@version`'s model file: a pruned run's parent or
 * a distilled run's teacher (named in the run's stored spec). Few runs wait at once: their specs
 * are read and matched here rather than by a JSON query each engine spells differently.
 */
export async function runsDerivingFrom(db: Db, model: string, version: string): Promise<string[]> {
  const t = trainingRuns;
  const rows = await db.select({ id: t.id, request: t.request }).from(t).where(inArray(t.status, ['queued', 'running'])).orderBy(t.createdAt, t.id);
  const key = versionKey({ model, version });
  return rows.filter((row) => derivedRunSource(row.request) === key).map((row) => row.id);
}

/** Advisory-lock class of content-addressed files (PostgreSQL's two-key lock space, apart from the migration lock's). */
const CONTENT_LOCK_CLASS = 0x6566;

/**
 * Inside a transaction: holds the lock on one content-addressed file (`<store>:<sha256>`) until
 * it ends. A registration checks the file is there under it; a removal checks nothing needs the
 * file and removes it under it: so a file is never removed between the two halves of a
 * registration on another replica. PostgreSQL: a transaction-scoped advisory lock on the key's
 * hash (a collision only makes two files take turns). SQLite: the transaction already holds the
 * only write lock.
 */
export async function lockContent(tx: Db, key: string): Promise<void> {
  if (tx.engine === 'postgres') await tx.rows(sql`SELECT pg_advisory_xact_lock(CAST(${CONTENT_LOCK_CLASS} AS integer), hashtext(CAST(${key} AS text))) AS locked`);
}
