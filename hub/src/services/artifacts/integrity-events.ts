/**
 * What the stores' integrity checks find, told to people: each file found corrupt, and each
 * repaired by an upload of the same bytes, is logged (error / warn) and written to the audit
 * trail (`file.corrupt`, `file.repaired`, subject `file:<folder>/<sha256>`). The stores report a
 * file once per change of state, so a corrupt file asked for by a whole fleet is one row.
 */
import type { IntegrityEvent } from '../../adapters/artifacts';
import { writeAudit } from '../../adapters/db/audit';
import type { HubContext } from '../context';

export const INTEGRITY_JOB = 'artifact-integrity';

export function watchFileIntegrity(ctx: Pick<HubContext, 'artifacts' | 'probes' | 'datasets' | 'db' | 'logger' | 'now'>): void {
  const record = (event: IntegrityEvent): void => {
    const fields = { folder: event.folder, sha256: event.sha256, found: event.found, ...(event.actual === undefined ? {} : { actual: event.actual }) };
    if (event.kind === 'corrupt') ctx.logger.error('stored file is corrupt: not served until the same bytes are uploaded again', fields);
    else ctx.logger.warn('corrupt stored file replaced by an upload of the right bytes', fields);
    writeAudit(ctx.db, {
      at: ctx.now(),
      actor: event.found === 'check' ? `job:${INTEGRITY_JOB}` : 'hub',
      action: `file.${event.kind}`,
      subject: `file:${event.folder}/${event.sha256}`,
      details: fields,
    }).catch((error: unknown) => ctx.logger.error('could not audit a file integrity event', { ...fields, error: error instanceof Error ? error.message : String(error) }));
  };
  for (const store of [ctx.artifacts, ctx.probes, ctx.datasets]) store.integrity.onEvent(record);
}
