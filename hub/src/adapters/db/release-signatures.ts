/**
 * A version's signed manifest replaced by the same payload under new signatures: what the hub
 * does after its release key was rotated or revoked (services/trust/resign.ts), so devices on the
 * new trust document accept the releases they already run. The payload never changes here.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { Envelope } from '@edgefleet/protocol';
import type { Db } from './db';
import { modelVersions } from './schema';

/** True when the version (not deleted) had its manifest replaced. */
export async function setVersionManifest(db: Db, model: string, version: string, manifest: Envelope): Promise<boolean> {
  const where = and(eq(modelVersions.model, model), eq(modelVersions.version, version), isNull(modelVersions.deletedAt));
  return (await db.update(modelVersions).set({ manifest }).where(where).run()).changes === 1;
}
