/** The version a quantization starts from: its row, its decoded manifest and its file. */
import { readFile } from 'node:fs/promises';
import { envelopeSchema, fromBase64, parseJsonBytes, parseWith, releaseManifestSchema, type ReleaseManifest } from '@edgefleet/protocol';
import { notFound } from '../core/errors';
import { getVersion, type ModelVersionRow } from '../adapters/db/models';
import type { HubContext } from './context';

export interface SourceVersion {
  row: ModelVersionRow;
  manifest: ReleaseManifest;
  bytes: Uint8Array;
}

/** Our own signed bytes, decoded for reading (they were verified when signed). */
function decodeManifest(envelope: unknown): ReleaseManifest {
  const { payload } = parseWith(envelopeSchema, envelope, 'stored manifest');
  const bytes = fromBase64(payload);
  if (!bytes) throw new Error('stored manifest payload is not base64');
  return parseWith(releaseManifestSchema, parseJsonBytes(bytes, 'stored manifest'), 'stored manifest');
}

export async function loadSourceVersion(ctx: HubContext, model: string, version: string): Promise<SourceVersion> {
  const row = getVersion(ctx.db, model, version);
  if (!row) throw notFound(`model version ${model}@${version}`);
  const bytes = new Uint8Array(await readFile(ctx.artifacts.pathOf(row.sha256)));
  return { row, manifest: decodeManifest(row.manifest), bytes };
}
