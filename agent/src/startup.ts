/**
 * What the agent knows before touching the network: persisted state, the pinned trust, and
 * the active model loaded from disk (THREATS 17, 19: serve what was good, refuse what is not).
 */
import { emptyPersistedState, recoverTrust as recoverTrustState, type PersistedState, type TrustState } from '@edgefleet/device-core';
import type { ModelFiles } from './adapters/model-files';
import { LoadedModel } from './adapters/runtime';
import type { AgentStore } from './adapters/store';
import type { AgentLogger } from './logger';

export interface Recovered {
  persisted: PersistedState;
  trust: TrustState;
}

export async function recoverState(store: AgentStore, logger: AgentLogger): Promise<Recovered> {
  const loaded = await store.loadState();
  if (loaded.kind === 'corrupt') {
    // Without the stored seq, replay protection is gone: refuse updates rather than start over.
    logger.error('state file unreadable; refusing updates', { reason: loaded.reason });
    return { persisted: emptyPersistedState(), trust: { kind: 'corrupt', reason: `state.json unreadable: ${loaded.reason}` } };
  }
  const stored = loaded.kind === 'ok' ? loaded.value : emptyPersistedState();
  // Transient failures (network) get a fresh chance after a restart; a bad model does not.
  const persisted = stored.failure?.transient ? { ...stored, failure: null } : stored;
  return { persisted, trust: await recoverTrust(store, persisted, logger) };
}

/** The device core's recovery rules (trust/trust-state.ts) on trust.json, with the agent's log lines. */
async function recoverTrust(store: AgentStore, persisted: PersistedState, logger: AgentLogger): Promise<TrustState> {
  const { state, refusal } = await recoverTrustState(await store.loadTrust(), persisted.trustPinned, 'trust.json');
  if (refusal?.kind === 'missing-after-pinning') logger.error('trust file missing after it was pinned; refusing updates');
  else if (refusal?.kind === 'unreadable') logger.error('trust file unreadable; refusing updates', { reason: refusal.reason });
  else if (refusal?.kind === 'does-not-verify') logger.error('trust file does not verify; refusing updates', { error: refusal.error });
  return state;
}

/** Loads the active release from the cache (hash checked). null if it cannot: the planner reinstalls. */
export async function loadActiveFromDisk(persisted: PersistedState, files: ModelFiles, logger: AgentLogger): Promise<LoadedModel | null> {
  const active = persisted.active?.manifest;
  if (!active) return null;
  try {
    const bytes = await files.readVerified(active.artifact.sha256, active.artifact.size);
    const model = await LoadedModel.load(bytes, active);
    logger.info('serving model from disk', { model: active.model, version: active.version });
    return model;
  } catch (error) {
    logger.error('active model could not be loaded from disk', { model: active.model, version: active.version, error });
    return null;
  }
}
