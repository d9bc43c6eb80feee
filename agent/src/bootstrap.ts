/**
 * Getting online in the background: learn the broker URL and, on the very first start, the
 * trust document (trust on first use) from the hub's device config, then connect MQTT.
 * Retries with backoff for as long as it takes; serving never waits for it.
 */
import { backoffDelay, pinFirstTrust as pinnedOnFirstUse } from '@edgefleet/device-core';
import { fetchDeviceConfig } from './adapters/hub-client';
import type { HubFetch } from './adapters/hub-http';
import type { AgentStore } from './adapters/store';
import type { ResolvedOptions } from './config';
import { reportable, toAgentError } from './errors';
import type { HubLink } from './hub-link';
import type { AgentLogger } from './logger';
import type { World } from './world';

export interface BootstrapDeps {
  world: World;
  store: AgentStore;
  options: ResolvedOptions;
  authorization: string;
  fetch: HubFetch;
  hubLink: HubLink;
  logger: AgentLogger;
  signal: AbortSignal;
  connect(brokerUrl: string): void;
}

export async function bootstrap(deps: BootstrapDeps): Promise<void> {
  const { world, options, logger, signal } = deps;
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      let brokerUrl = options.brokerUrl ?? world.persisted.brokerUrl;
      if (world.trust.kind === 'unpinned' || brokerUrl === null) {
        const config = await fetchDeviceConfig(options.hubUrl, deps.authorization, signal, deps.fetch);
        if (world.trust.kind === 'unpinned') await pinFirstTrust(deps, config.trust);
        if (options.brokerUrl === null && world.persisted.brokerUrl !== config.mqttUrl) {
          await world.update((state) => ({ ...state, brokerUrl: config.mqttUrl }));
        }
        brokerUrl = options.brokerUrl ?? config.mqttUrl;
      }
      if (signal.aborted) return;
      deps.connect(brokerUrl);
      return;
    } catch (thrown) {
      if (signal.aborted) return;
      const error = toAgentError(thrown, 'E_DOWNLOAD_FAILED', 'bootstrap');
      let delay: number;
      if (error.code === 'E_CREDENTIALS_REJECTED') {
        // Not the network: the hub answered and refused. Said as such (hub-link.ts), and tried
        // again slowly, as each try is a failed login the hub counts.
        delay = options.tuning.credentialRetryMs;
        deps.hubLink.credentialsRejected(error.message);
      } else if (error.code === 'E_TLS_UNTRUSTED') {
        // Not the network either: said as what it is (hub-link.ts), tried again in case the hub's certificate is fixed.
        delay = backoffDelay(attempt, { baseMs: options.tuning.bootstrapBaseMs, maxMs: options.tuning.bootstrapMaxMs });
        deps.hubLink.untrustedCertificate(error.message, delay);
      } else {
        // A trust document that does not verify is worth an operator's attention; an unreachable hub is not.
        if (!error.transient) {
          world.setError(reportable(error));
          world.report();
        }
        delay = backoffDelay(attempt, { baseMs: options.tuning.bootstrapBaseMs, maxMs: options.tuning.bootstrapMaxMs });
        deps.hubLink.unreachable(error.code, error.message);
        logger.warn('hub not reachable yet, retrying', { code: error.code, message: error.message, delayMs: delay });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  }
}

/** THREATS "Keys": trust on first use, exactly once; afterwards only verified rotations. */
async function pinFirstTrust(deps: BootstrapDeps, trustEnvelope: unknown): Promise<void> {
  const { world } = deps;
  const pinned = await pinnedOnFirstUse(trustEnvelope, deps.options.now());
  const { doc } = pinned;
  // trust.json first, then the flag: a crash in between leaves a pinned file, which is what counts.
  await deps.store.saveTrust(pinned.envelope);
  world.trust = pinned;
  await world.update((state) => ({ ...state, trustPinned: true }));
  world.setError(null); // an earlier failed attempt's error no longer applies
  deps.logger.info('trust document pinned on first use', { version: doc.version, release: doc.roles.release.keyids });
}
