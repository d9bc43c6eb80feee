/**
 * The probe a release names: inline in its manifest, or (issue 11 item 7) a probe blob named by
 * `{ sha256, size, tolerance }`. A blob is fetched from the hub's artifact route with the
 * device's credentials, bounded by the declared size and hashed while it streams (the artifact
 * download: THREATS 1, 13-16), cached beside the models, and checked again (size, hash, then
 * JSON and schema: protocol openProbeBlob) every time it is used, so damaged or unverified bytes
 * are never run. Download failures keep their codes (E_HASH_MISMATCH, E_TOO_LARGE, ...); a blob
 * that verifies but does not parse is E_PROBE_FAILED. Either way the install fails and what
 * serves keeps serving.
 */
import { createHash } from 'node:crypto';
import { isProbeRef, openProbeBlob, ProtocolError, type Probe, type ProbeRef, type ReleaseManifest } from '@edgefleet/protocol';
import { downloadArtifact } from './adapters/download';
import { AgentError, toAgentError } from './errors';
import type { StepContext } from './run-steps';

/** What fetching a probe uses of one agent's step: its files, credentials, hub and signal. */
export type ProbeContext = Pick<StepContext, 'files' | 'options' | 'authorization' | 'fetch' | 'logger' | 'signal'>;

/**
 * What a sandbox check of a release's bytes depends on besides the bytes and the limits: its
 * probe (inline, or the blob's hash) and the inputs it declares (the probe's tensors are checked
 * against them). Two releases of the same bytes with another probe are checked again.
 */
export function probeIdentity(release: ReleaseManifest): string {
  return createHash('sha256').update(JSON.stringify({ probe: release.probe, inputs: release.io.inputs })).digest('hex');
}

export async function probeOf(release: ReleaseManifest, ctx: ProbeContext): Promise<Probe> {
  const { probe } = release;
  if (!isProbeRef(probe)) return probe;
  const context = `${release.model}@${release.version}: probe blob ${probe.sha256.slice(0, 12)}`;
  try {
    const bytes = (await ctx.files.readProbeBlob(probe.sha256)) ?? (await fetchProbeBlob(probe, ctx));
    return await openProbeBlob(probe, bytes);
  } catch (error) {
    // A cached blob that no longer verifies is deleted, so a retry fetches it again.
    if (error instanceof ProtocolError && (error.code === 'E_HASH_MISMATCH' || error.code === 'E_LENGTH_MISMATCH')) {
      await ctx.files.removeProbeBlob(probe.sha256);
      throw new AgentError(error.code, `${context}: ${error.message}; deleted`, { transient: true, cause: error });
    }
    if (error instanceof ProtocolError) throw new AgentError('E_PROBE_FAILED', `${context}: ${error.message}`, { cause: error });
    throw toAgentError(error, 'E_PROBE_FAILED', context);
  }
}

async function fetchProbeBlob(ref: ProbeRef, ctx: ProbeContext): Promise<Uint8Array> {
  const { tuning, hubUrl } = ctx.options;
  await downloadArtifact({
    url: `${hubUrl}/artifacts/${ref.sha256}`,
    sha256: ref.sha256,
    size: ref.size,
    partPath: ctx.files.partPath(ref.sha256),
    finalPath: ctx.files.probePath(ref.sha256),
    headers: { authorization: ctx.authorization },
    signal: ctx.signal,
    deadlineMs: tuning.downloadBaseDeadlineMs + Math.ceil((ref.size / tuning.downloadMinBytesPerSec) * 1000),
    minBytesPerSec: tuning.downloadMinBytesPerSec,
    windowMs: tuning.downloadWindowMs,
    freeBytes: () => ctx.files.freeBytes(),
    fetch: ctx.fetch,
  });
  ctx.logger.info('probe blob downloaded', { sha256: ref.sha256, size: ref.size });
  const bytes = await ctx.files.readProbeBlob(ref.sha256);
  if (!bytes) throw new AgentError('E_DOWNLOAD_FAILED', `probe blob ${ref.sha256} vanished after its download`, { transient: true });
  return bytes;
}
