/**
 * Issuing the deployment docs a controller pass or a manual action asked for, and keeping the
 * members' record of them true when replicas overlap or die.
 *
 * A pass commits its decision (status, members, audit) in one locked transaction, then issues the
 * docs: never inside the transaction, because assigning takes its own transactions (and, at 10,000
 * devices, seconds) and hands the docs to the broker. So another replica may act on the rollout
 * between the commit and the docs, and a replica may die in between. Three things keep that safe:
 *  - a member's doc seq is recorded afterwards under the rollout's lock, only over an older one;
 *  - a rollout reverted meanwhile (rollback, abort with revert, an automatic rollback) sends the
 *    devices whose newest doc is the forward one just issued back again: the revert wins;
 *  - a member whose doc was issued but never recorded (the replica died in between) adopts the
 *    doc on the next pass (`adoptIssuedDocs`), and one whose doc was never issued is asked for
 *    again by the controller (core/rollouts/controller.ts), with the same devices and step;
 *  - a reverted rollout whose rollback docs never went out (the replica died after committing
 *    the rollback), or were overtaken, sends them on its next pass (`rollbacksNotIssued`).
 */
import type { Db } from '../../adapters/db/db';
import { getAssignmentTargets } from '../../adapters/db/assignments';
import { assignedDocs, getRollout, listMembers, lockRollout, upsertMembers, type RolloutMemberRow, type RolloutRow } from '../../adapters/db/rollouts';
import { storedDoc } from '../../core/deployment-doc';
import type { Assignment, DeviceView, RolloutMember } from '../../core/rollouts/controller';
import { assignDevices, type AssignResult } from '../devices/deployments';
import type { RolloutDeps } from './rows';

/** Issues the docs (one batch), then records their seq on the member rows; see the header. */
export async function issue(deps: RolloutDeps, row: RolloutRow, step: number, assignments: readonly Assignment[], actor: string): Promise<void> {
  if (assignments.length === 0) return;
  let results: AssignResult[];
  try {
    results = await assignDevices(deps, assignments.map((a) => ({ deviceId: a.deviceId, target: { model: a.model, version: a.version, rollout: { id: row.id, step }, shadow: a.shadow ?? null, trafficShare: a.trafficShare ?? null } })), actor);
  } catch (error) {
    deps.logger.error('rollout could not assign its devices', { rollout: row.id, devices: assignments.length, error: error instanceof Error ? error.message : String(error) });
    return;
  }
  // Rollback docs are not recorded: a member's seq is that of the doc that moved it forward.
  const forward = new Set(assignments.filter((a) => a.reason === 'rollout').map((a) => a.deviceId));
  const issued = results.filter((r) => forward.has(r.device));
  if (issued.length === 0) return;
  const assignedAt = deps.now().toISOString();
  const overtaken = await deps.db.transaction(async (tx): Promise<{ step: number; back: Assignment[] }> => {
    await lockRollout(tx, row.id);
    const current = await getRollout(tx, row.id);
    if (!current) return { step, back: [] };
    const members = new Map((await listMembers(tx, row.id)).map((m) => [m.deviceId, m]));
    const recorded: RolloutMemberRow[] = [];
    for (const result of issued) {
      const member = members.get(result.device);
      // Only the doc that is the member's as stored now (a pass meanwhile may have promoted a
      // shadow member, or issued a newer doc) and only over an older record.
      if (!member || (member.mode === 'shadow') !== (result.shadow !== null)) continue;
      if (member.assignedSeq !== null && member.assignedSeq >= result.seq) continue;
      recorded.push({ ...member, assignedSeq: result.seq, assignedAt });
    }
    await upsertMembers(tx, recorded);
    if (!current.reverted) return { step: current.step, back: [] };
    // Reverted while these forward docs were being issued: where one is still the device's
    // newest doc, it came after the rollback's and would keep the device on the new version.
    const newest = await getAssignmentTargets(tx, issued.map((r) => r.device));
    const back: Assignment[] = [];
    for (const result of issued) {
      const member = members.get(result.device);
      if (newest.get(result.device)?.seq !== result.seq || !member || member.status === 'detached' || member.previousModel === null || member.previousVersion === null) continue;
      back.push({ deviceId: result.device, model: member.previousModel, version: member.previousVersion, reason: 'rollback' });
    }
    return { step: current.step, back };
  });
  if (overtaken.back.length > 0) {
    deps.logger.warn('rollout reverted while its docs were being issued: sending those devices back again', { rollout: row.id, devices: overtaken.back.length });
    await issue(deps, row, overtaken.step, overtaken.back, actor);
  }
}

/**
 * A replica that died after assigning a step's devices and before recording their seqs left
 * members without a seq whose devices run this rollout's doc: the controller would not ask for
 * it again (the device has it), and without the seq it could not tell a failure reported on that
 * doc from one never acted on. Such members take the seq of the device's doc when the doc names
 * this rollout and was issued after the member joined. Called in the pass's locked transaction.
 */
export async function adoptIssuedDocs(tx: Db, row: RolloutRow, members: readonly RolloutMember[], devices: readonly DeviceView[]): Promise<RolloutMember[]> {
  // A reverted rollout's members are on their way back: their forward docs do not matter any more.
  if (row.reverted || row.state === 'superseded') return [...members];
  const byId = new Map(devices.map((d) => [d.id, d]));
  const candidates = members.filter((m) => {
    if (m.assignedSeq !== null || m.status === 'detached') return false;
    const wanted = m.mode === 'shadow' ? m.previous : { model: row.model, version: row.version };
    const assignment = byId.get(m.deviceId)?.assignment;
    return !!wanted && !!assignment && assignment.model === wanted.model && assignment.version === wanted.version;
  });
  if (candidates.length === 0) return [...members];
  const targets = await getAssignmentTargets(tx, candidates.map((m) => m.deviceId));
  // A doc older than the member is what the device ran when it joined (already on the version).
  const recent = candidates.filter((m) => {
    const target = targets.get(m.deviceId);
    if (!target || target.assignedAt < m.assignedAt) return false;
    return m.mode === 'shadow' ? target.shadowModel === row.model && target.shadowVersion === row.version : target.shadowModel === null;
  });
  const docs = await assignedDocs(tx, recent.map((m) => m.deviceId));
  const adopted = new Map<string, { seq: number; assignedAt: string }>();
  for (const m of recent) {
    const target = targets.get(m.deviceId);
    const stored = docs.get(m.deviceId);
    const doc = stored ? storedDoc(stored.doc) : null;
    if (target && doc?.rollout?.id === row.id && doc.seq === target.seq) adopted.set(m.deviceId, { seq: target.seq, assignedAt: target.assignedAt });
  }
  return members.map((m) => {
    const doc = adopted.get(m.deviceId);
    return doc ? { ...m, assignedSeq: doc.seq, assignedAt: doc.assignedAt } : m;
  });
}

/**
 * Rollback docs a reverted rollout still owes: members reverting whose device's newest doc is
 * still this rollout's forward one. The controller asks for nothing once a rollout is reverted
 * (the rollback's own docs are issued by the action or pass that reverted it), so a replica that
 * died after committing the rollback, before or while issuing them, would leave those devices on
 * the new version for good. A doc another rollout or an admin issued since is left alone. Called
 * in the pass's locked transaction with the members as the pass left them; usually there are no
 * candidates at all (a rollback doc moves the device's assignment back at once).
 */
export async function rollbacksNotIssued(tx: Db, row: RolloutRow, members: readonly RolloutMember[], devices: readonly DeviceView[]): Promise<Assignment[]> {
  if (!row.reverted) return [];
  const byId = new Map(devices.map((d) => [d.id, d]));
  const candidates = members.filter((m) => {
    const assignment = byId.get(m.deviceId)?.assignment;
    return m.status === 'reverting' && m.mode === 'active' && m.previous !== null && assignment?.model === row.model && assignment.version === row.version;
  });
  if (candidates.length === 0) return [];
  const docs = await assignedDocs(tx, candidates.map((m) => m.deviceId));
  const owed: Assignment[] = [];
  for (const m of candidates) {
    const stored = docs.get(m.deviceId);
    if (m.previous && stored && storedDoc(stored.doc)?.rollout?.id === row.id) owed.push({ deviceId: m.deviceId, model: m.previous.model, version: m.previous.version, reason: 'rollback' });
  }
  return owed;
}
