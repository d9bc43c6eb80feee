/**
 * The refusals of the lifecycle of model versions and datasets (issue 15), decided from rows the
 * caller read: new use of something archived (409 E_ARCHIVED) or deleted (404), and deletion of
 * something still needed (409 E_IN_USE, `details` naming what needs it).
 */
import { HubError } from '../errors';

export interface Lifecycle {
  archivedAt: string | null;
  deletedAt: string | null;
}

/** How many holders of one kind a refusal names; `...Count` says how many there are. */
export const HOLDERS_SHOWN = 20;

export interface DeviceHolders {
  /** the first HOLDERS_SHOWN devices by id, with what their assignment runs the version as */
  shown: Array<{ id: string; as: 'active' | 'previous' | 'shadow' }>;
  count: number;
}

/**
 * `row` if it may be newly used (assigned, shadowed, rolled out, quantized from; trained on or
 * referenced): 404 naming `what` when unknown or deleted, 409 E_ARCHIVED when archived.
 * `unarchive` is the route that brings it back.
 */
export function requireUsable<T extends Lifecycle>(row: T | undefined, what: string, unarchive: string): T {
  if (row === undefined) throw new HubError('E_NOT_FOUND', `${what} not found`);
  if (row.deletedAt !== null) throw new HubError('E_NOT_FOUND', `${what} not found: it was deleted at ${row.deletedAt}`, { details: { deletedAt: row.deletedAt } });
  if (row.archivedAt !== null) {
    throw new HubError('E_ARCHIVED', `${what} is archived (since ${row.archivedAt}): it takes no new use until POST ${unarchive}`, { details: { archivedAt: row.archivedAt } });
  }
  return row;
}

/** `row` if it exists and is not deleted (archived is fine: reading, archiving, deleting). */
export function requirePresent<T extends Lifecycle>(row: T | undefined, what: string): T {
  if (row === undefined) throw new HubError('E_NOT_FOUND', `${what} not found`);
  if (row.deletedAt !== null) throw new HubError('E_NOT_FOUND', `${what} not found: it was deleted at ${row.deletedAt}`, { details: { deletedAt: row.deletedAt } });
  return row;
}

const listed = (items: readonly string[], total: number): string => `${items.join(', ')}${total > items.length ? ` and ${total - items.length} more` : ''}`;

/**
 * The refusal to delete a version that devices, rollouts or training runs still need (`runs`:
 * queued or running runs that read its file, as a pruned run's parent or a distilled run's
 * teacher), or null when nothing does.
 */
export function versionInUse(key: string, devices: DeviceHolders, rollouts: readonly string[], runs: readonly string[]): HubError | null {
  if (devices.count === 0 && rollouts.length === 0 && runs.length === 0) return null;
  const reasons: string[] = [];
  if (devices.count > 0) {
    reasons.push(`${devices.count} device(s) in service run it (${listed(devices.shown.map((d) => `${d.id} as ${d.as}`), devices.count)}): assign them another version, twice where it is their previous (rollback) release`);
  }
  if (rollouts.length > 0) reasons.push(`rollout(s) ${listed(rollouts.slice(0, HOLDERS_SHOWN), rollouts.length)} may still assign it or roll back to it: let them finish, roll them back, or supersede them`);
  if (runs.length > 0) reasons.push(`training run(s) ${listed(runs.slice(0, HOLDERS_SHOWN), runs.length)} are queued or running on its model file (pruning or distilling it): cancel them or let them finish`);
  return new HubError('E_IN_USE', `${key} is in use, not deleted: ${reasons.join('; ')}`, {
    details: { devices: devices.shown, deviceCount: devices.count, rollouts: rollouts.slice(0, HOLDERS_SHOWN), rolloutCount: rollouts.length, runs: runs.slice(0, HOLDERS_SHOWN), runCount: runs.length },
  });
}

/** The refusal to delete a dataset that versions' lineage or training runs still need, or null. */
export function datasetInUse(id: string, versions: readonly string[], runs: readonly string[]): HubError | null {
  if (versions.length === 0 && runs.length === 0) return null;
  const reasons: string[] = [];
  if (versions.length > 0) reasons.push(`the lineage of ${listed(versions.slice(0, HOLDERS_SHOWN), versions.length)} names it (delete those versions first)`);
  if (runs.length > 0) reasons.push(`training run(s) ${listed(runs.slice(0, HOLDERS_SHOWN), runs.length)} are queued or running on it (cancel them or let them finish)`);
  return new HubError('E_IN_USE', `dataset ${id} is in use, not deleted: ${reasons.join('; ')}`, {
    details: { versions: versions.slice(0, HOLDERS_SHOWN), versionCount: versions.length, runs: runs.slice(0, HOLDERS_SHOWN), runCount: runs.length },
  });
}

/** The refusal to delete sample inputs a version's lineage names, or null. */
export function samplesInUse(id: string, versions: readonly string[]): HubError | null {
  if (versions.length === 0) return null;
  return new HubError('E_IN_USE', `samples ${id} are in use, not deleted: the lineage of ${listed(versions.slice(0, HOLDERS_SHOWN), versions.length)} names them (quantization calibrates on them); delete those versions first`, {
    details: { versions: versions.slice(0, HOLDERS_SHOWN), versionCount: versions.length },
  });
}
