/** The version a quantization starts from: its row, its decoded manifest and its file. */
import { readFile } from 'node:fs/promises';
import type { ReleaseManifest } from '@edgefleet/protocol';
import { notFound } from '../core/errors';
import { getVersion, type ModelVersionRow } from '../adapters/db/models';
import { decodeStoredManifest } from '../core/release-manifest';
import type { HubContext } from './context';

export interface SourceVersion {
  row: ModelVersionRow;
  manifest: ReleaseManifest;
  bytes: Uint8Array;
}


export async function loadSourceVersion(ctx: HubContext, model: string, version: string): Promise<SourceVersion> {
  const row = getVersion(ctx.db, model, version);
  if (!row) throw notFound(`model version ${model}@${version}`);
  const bytes = new Uint8Array(await readFile(ctx.artifacts.pathOf(row.sha256)));
  return { row, manifest: decodeStoredManifest(row.manifest), bytes };
}
