/** The version a quantization starts from: its row, its decoded manifest and its file. */
import { readFile } from 'node:fs/promises';
import { getVersion, type ModelVersionRow } from '../../adapters/db/models';
import { decodeStoredManifest, withStoredProbe, type HubManifest } from '../../core/release-manifest';
import type { HubContext } from '../context';
import { usableVersionRow } from '../lifecycle/versions';

export interface SourceVersion {
  row: ModelVersionRow;
  /** with its whole probe, also when the signed manifest names a probe blob */
  manifest: HubManifest;
  bytes: Uint8Array;
}

export async function loadSourceVersion(ctx: Pick<HubContext, 'db' | 'artifacts'>, model: string, version: string): Promise<SourceVersion> {
  // Quantizing is new use: 404 once deleted, 409 E_ARCHIVED while archived.
  const row = usableVersionRow(await getVersion(ctx.db, model, version), model, version);
  const bytes = new Uint8Array(await readFile(ctx.artifacts.pathOf(row.sha256)));
  return { row, manifest: withStoredProbe(decodeStoredManifest(row.manifest), row.probe), bytes };
}
