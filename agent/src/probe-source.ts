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
import { isProbeRef, openProbeBlob, ProtocolError, type Probe, type ProbeRef, type ReleaseManifest } from '@edgefleet/protocol';
import { downloadArtifact } from './adapters/download';
import { AgentError, toAgentError } from './errors';
import type { StepContext } from './run-steps';

export async function probeOf(release: ReleaseManifest, ctx: StepContext): Promise<Probe> {
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

async function fetchProbeBlob(ref: ProbeRef, ctx: StepContext): Promise<Uint8Array> {
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
