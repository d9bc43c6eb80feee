/**
 * GET /v1/model and Agent.describeModel: the serving release described (core/model-description.ts),
 * worked out once per release. The example comes from the release's probe: inline, or the probe
 * blob cached beside the model (its hash checked again; without it, zeros).
 */
import { isProbeRef, openProbeBlob, type ReleaseManifest, type TensorJson } from '@edgefleet/protocol';
import type { ModelFiles } from './adapters/model-files';
import { describeModel, type ModelDescription } from './core/model-description';
import { AgentError } from './errors';
import type { World } from './world';

export function servingDescriber(world: Pick<World, 'serving'>, files: Pick<ModelFiles, 'readProbeBlob'>): () => Promise<ModelDescription> {
  let last: { release: ReleaseManifest; description: Promise<ModelDescription> } | null = null;
  const probeInputs = async (release: ReleaseManifest): Promise<Record<string, TensorJson> | null> => {
    const probe = release.probe;
    if (!isProbeRef(probe)) return probe.inputs;
    const bytes = await files.readProbeBlob(probe.sha256);
    return bytes === null ? null : ((await openProbeBlob(probe, bytes).catch(() => null))?.inputs ?? null);
  };
  return () => {
    const release = world.serving?.release;
    if (!release) return Promise.reject(new AgentError('E_NO_MODEL', 'no model is serving yet'));
    if (last?.release !== release) last = { release, description: probeInputs(release).then((inputs) => describeModel(release, inputs)) };
    return last.description;
  };
}
