/** The part of a derived run's worker input the main thread resolves: files and limits the worker cannot look up itself. */
import { getVersion } from '../../adapters/db/models';
import { modelSandboxLimits } from '../../adapters/model-sandbox/sandbox';
import { decodeStoredManifest } from '../../core/release-manifest';
import type { HubContext } from '../context';
import type { TrainingInput, TrainingSpec } from '../training/training-types';

/** What a derived run's worker needs beyond the spec: the source's file, the sandbox's limits, a teacher's inputs and outputs. */
export async function deriveInput(c: Pick<HubContext, 'db' | 'artifacts'>, derive: NonNullable<TrainingSpec['derive']>): Promise<NonNullable<TrainingInput['derive']>> {
  const base = { sourcePath: c.artifacts.pathOf(derive.kind === 'prune' ? derive.parentSha256 : derive.teacherSha256), sandbox: modelSandboxLimits() };
  if (derive.kind === 'prune') return base;
  const at = derive.teacher.lastIndexOf('@');
  const row = await getVersion(c.db, derive.teacher.slice(0, at), derive.teacher.slice(at + 1));
  if (!row) throw Object.assign(new Error(`the teacher ${derive.teacher} is gone`), { code: 'E_NOT_FOUND' });
  return { ...base, teacherIo: decodeStoredManifest(row.manifest).io };
}
