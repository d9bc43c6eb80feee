/**
 * `load`: the browser device's composition root. In order: the credential (enrolling once with the
 * operator's token), the pinned trust (first use: from the hub's authenticated config), the state
 * kept in IndexedDB, the active model served straight from the verified cache (so a page works
 * offline and never waits for the network to answer), then the MQTT session that follows the
 * retained desired doc and carries state, events and statistics windows.
 */
import { DEFAULT_STATS_INTERVAL_S, DeploymentDocs, emptyPersistedState, firstCloseDelayMs, msgIdSource, pinFirstTrust, recoverTrust, SplitStatsWindows } from '@edgefleet/device-core';
import type { StatsWindow } from '@edgefleet/protocol';
import type { EdgeDevice, LoadOptions } from '../api';
import { reportable, toWebError, WebRuntimeError } from '../errors';
import { guardedLogger, silentLogger } from '../logger';
import { DeviceStore, type DeviceCredential } from '../platform/device-store';
import { basicAuth, enrol, HubHttp } from '../platform/hub-http';
import { ModelCache } from '../platform/model-cache';
import { connectMqttLink, type MqttLink } from '../platform/mqtt-link';
import { StatsOutbox } from '../platform/stats-outbox';
import { configureOrt, LoadedModel, MAX_OPSET, RUNTIME_NAME, RUNTIME_VERSION } from '../runtime/ort-web';
import { Installer } from './installer';
import { LiveState } from './live-state';
import { Predictor } from './predictor';

export const WEB_RUNTIME_VERSION = '0.1.0';
/** Retry and reconnect timing: a page recovers within seconds of the hub coming back. */
const TIMING = { retryBaseMs: 500, retryMaxMs: 30_000, maxInstallAttempts: 6, mqttReconnectMs: 2_000, stateRefreshMs: 60_000 };
/** Models larger than this are refused before a byte is fetched: a tab is not a server. */
export const MAX_ARTIFACT_BYTES = 256 * 1024 * 1024;

export async function load(options: LoadOptions = {}): Promise<EdgeDevice> {
  if (!globalThis.crypto?.subtle) {
    throw new WebRuntimeError('E_TRUST_STATE', 'this page is not a secure context (served over https, or from localhost): WebCrypto, which verifies every model, is unavailable');
  }
  const hubUrl = (options.hubUrl ?? location.origin).replace(/\/+$/, '');
  const database = options.database ?? 'edgefleet-device';
  // One tab is the device: a second one would share its credential, and the broker keeps one
  // session per client id, so the two would take the session from each other forever.
  const releaseLock = await holdDeviceLock(database);
  try {
    return await start(options, hubUrl, database, releaseLock);
  } catch (error) {
    releaseLock();
    throw error;
  }
}

async function start(options: LoadOptions, hubUrl: string, database: string, releaseLock: () => void): Promise<EdgeDevice> {
  const store = new DeviceStore(database);
  let secret: string | null = null;
  const logger = guardedLogger(options.logger ?? silentLogger, () => secret);

  const credential = await credentialOf(store, hubUrl, options.enrolmentToken);
  secret = credential.secret;
  configureOrt(options.wasmPaths ?? `${hubUrl}/web-runtime/ort/`);
  const hub = new HubHttp(hubUrl, basicAuth(credential.id, credential.secret));

  const stored = (await store.state()) ?? emptyPersistedState();
  // Transient failures (network) get a fresh chance on a new page load; a bad model does not.
  const persisted = stored.failure?.transient ? { ...stored, failure: null } : stored;
  const storedTrust = await store.trust();
  const recovered = await recoverTrust(storedTrust ? { kind: 'ok', value: storedTrust } : { kind: 'missing' }, persisted.trustPinned, 'the stored trust document');
  if (recovered.refusal) logger.error('trust document unusable; refusing updates', { kind: recovered.refusal.kind });

  let outbox: StatsOutbox | null = null;
  const state = new LiveState(persisted, recovered.state, {
    deviceId: credential.id,
    ring: credential.ring,
    store,
    now: () => new Date(),
    logger,
    runtime: RUNTIME_NAME,
    agentVersion: `web-runtime ${WEB_RUNTIME_VERSION}`,
    pendingWindows: () => outbox?.pending() ?? 0,
  });
  if (recovered.state.kind === 'corrupt') state.setError({ code: 'E_TRUST_STATE', message: recovered.state.reason.slice(0, 2000) });

  if (recovered.state.kind === 'unpinned') {
    // THREATS "Keys": trust on first use, exactly once, from the hub's authenticated config.
    const config = await hub.config();
    const pinned = await pinFirstTrust(config.trust, new Date());
    await store.saveTrust(pinned.envelope);
    state.trust = pinned;
    await state.update((current) => ({ ...current, trustPinned: true }));
    logger.info('trust document pinned on first use', { version: pinned.doc.version });
  }

  const cache = new ModelCache();
  const installer = new Installer({ state, hub, cache, logger, retry: { baseMs: TIMING.retryBaseMs, maxMs: TIMING.retryMaxMs, maxAttempts: TIMING.maxInstallAttempts }, maxArtifactBytes: MAX_ARTIFACT_BYTES });
  await serveFromCache(state, cache, installer, logger);

  outbox = await StatsOutbox.open(store, { logger, changed: () => state.changed() });
  // Split: during a traffic ramp-up the candidate's answers go in windows of its own release.
  const windows = new SplitStatsWindows({ device: credential.id, now: () => new Date(), msgId: msgIdSource() });
  const sink = (closed: readonly StatsWindow[]) => {
    // In order (the serving version's first): the outbox keeps windows in the order they were added.
    for (const window of closed) outbox?.add(window).catch((error: unknown) => logger.error('statistics window could not be stored', { error: String(error) }));
  };
  sink(windows.activate(state.serving?.model.release ?? null));
  const stopServingWatch = state.onServingChanged((model) => sink(windows.activate(model?.release ?? null)));
  const stopShadowWatch = state.onShadowChanged((model) => sink(windows.setShadow(model?.release ?? null)));
  const clock = new WindowClock(() => sink(windows.close()));
  const applyInterval = () => clock.setIntervalS(state.persisted.desired?.statsIntervalS ?? DEFAULT_STATS_INTERVAL_S);
  applyInterval();

  const predictor = new Predictor(state, windows, { device: credential.id, nonce: msgIdSource() }, logger);
  const docs = new DeploymentDocs<WebRuntimeError>({
    state,
    saveTrust: (envelope) => store.saveTrust(envelope),
    deviceId: credential.id,
    now: () => new Date(),
    logger,
    runtime: { version: RUNTIME_VERSION, maxOpset: MAX_OPSET },
    onAccepted: () => {
      applyInterval();
      // A doc may change only the traffic share of the shadow that runs: status() reads it from the doc.
      state.changed();
      installer.trigger();
    },
    fetchRelease: (ref) => hub.release(ref),
    fetchTrust: (version) => hub.trust(version),
    retry: { baseMs: TIMING.retryBaseMs, maxMs: TIMING.retryMaxMs },
    errors: { toError: toWebError, reportable },
    schedule: (fn, ms) => {
      const timer = setTimeout(fn, ms);
      return () => clearTimeout(timer);
    },
  });

  const link: MqttLink = connectMqttLink({
    brokerUrl: credential.mqttWsUrl,
    deviceId: credential.id,
    secret: credential.secret,
    reconnectPeriodMs: TIMING.mqttReconnectMs,
    logger,
    onDesired: (bytes) => void docs.desired(bytes),
    onTrust: (bytes) => void docs.trust(bytes),
    onRefused: () => {
      logger.error('the hub refused this browser\'s credential: the device was removed or its secret replaced');
      state.setRefused();
    },
    onConnection: (connected) => {
      state.setConnected(connected);
      if (!connected) return;
      state.report();
      void outbox?.drain();
    },
  });
  state.attachLink(link);
  outbox.setSender({ connected: () => link.connected(), publish: (window) => link.publishStats(window) });

  const staleTimer = setInterval(() => state.checkStale(), 30_000);
  const refreshTimer = setInterval(() => state.report(), TIMING.stateRefreshMs);
  installer.trigger();
  state.report();
  logger.info('browser device started', { device: credential.id, ring: credential.ring });

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      clearInterval(staleTimer);
      clearInterval(refreshTimer);
      clock.stop();
      docs.close();
      await installer.close();
      await docs.idle();
      stopServingWatch();
      stopShadowWatch();
      await predictor.close();
      sink(windows.close());
      await outbox?.idle();
      outbox?.setSender(null);
      state.attachLink(null);
      await link.close().catch(() => undefined);
      await state.candidate?.model.retire();
      await state.shadow?.model.retire();
      await state.serving?.model.retire();
      releaseLock();
    })());
  return {
    device: credential.id,
    predict: (inputs, options) => predictor.predict(inputs, options),
    status: () => state.status(),
    on: (kind, listener) => state.on(kind, listener),
    flushStats: async () => {
      await predictor.settled();
      sink(windows.close());
      await outbox?.idle();
    },
    close,
    forget: async () => {
      await close();
      await store.clearAll();
      await cache.clearAll();
    },
  };
}

/**
 * Holds the Web Lock named after the device's database for as long as the device runs; another
 * tab of the same origin and database gets E_DEVICE_IN_USE. Returns the release function.
 */
async function holdDeviceLock(name: string): Promise<() => void> {
  // Browsers without Web Locks (before 2022) run without the guard.
  if (!('locks' in navigator)) return () => {};
  return new Promise((resolve, reject) => {
    navigator.locks
      .request(`edgefleet-device:${name}`, { ifAvailable: true }, (lock) => {
        if (!lock) {
          reject(new WebRuntimeError('E_DEVICE_IN_USE', 'this browser runs its edgefleet device in another tab already: use that tab, or close it and reload this one'));
          return undefined;
        }
        // The lock is held until this promise settles: when the device closes (or the tab goes).
        return new Promise<void>((release) => resolve(release));
      })
      .catch(reject);
  });
}

/** The stored credential, or a new one from the enrolment token (spent here, once). */
async function credentialOf(store: DeviceStore, hubUrl: string, token: string | undefined): Promise<DeviceCredential> {
  const held = await store.credential();
  if (held) return held;
  if (!token) throw new WebRuntimeError('E_ENROLMENT_REFUSED', 'this browser is not enrolled yet: open the enrolment link your operator gave you');
  const enrolled = await enrol(hubUrl, token);
  const credential: DeviceCredential = { id: enrolled.id, secret: enrolled.secret, ring: enrolled.ring, hubUrl, mqttWsUrl: enrolled.mqttWsUrl };
  await store.saveCredential(credential);
  return credential;
}

/**
 * THREATS 17, 19: the active release serves straight from the cache after a reload, its bytes
 * verified again and its probe run before it answers. If it cannot, nothing serves until the
 * installer has fetched it again (the planner sees no serving release).
 */
async function serveFromCache(state: LiveState, cache: ModelCache, installer: Installer, logger: ReturnType<typeof guardedLogger>): Promise<void> {
  const active = state.persisted.active?.manifest;
  if (!active) return;
  try {
    const read = await cache.read(active.artifact);
    if (read.kind !== 'hit') throw new WebRuntimeError('E_HASH_MISMATCH', read.kind === 'miss' ? 'not in the cache' : `cached bytes have SHA-256 ${read.sha256.slice(0, 12)}..., not the signed ${active.artifact.sha256.slice(0, 12)}...; deleted`);
    const model = await LoadedModel.load(read.bytes, active);
    try {
      await model.probe(await installer.probeOf(active));
    } catch (error) {
      await model.retire();
      throw error;
    }
    state.serving = { model, verification: { ...installer.verification(active, 'cache'), probed: true } };
    logger.info('serving model from the cache', { model: active.model, version: active.version });
  } catch (error) {
    const failure = reportable(toWebError(error, 'E_LOAD_FAILED', `${active.model}@${active.version} from the cache`));
    logger.warn('active model could not be served from the cache', { code: failure.code, message: failure.message });
  }
}

/** When statistics windows close: every interval, the first time at a random phase (no fleet in lockstep). */
class WindowClock {
  private intervalS = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly close: () => void) {}

  setIntervalS(seconds: number): void {
    if (seconds === this.intervalS) return;
    this.intervalS = seconds;
    this.arm(firstCloseDelayMs(seconds, Math.random()));
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.intervalS = -1;
  }

  private arm(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.close();
      this.arm(this.intervalS * 1000);
    }, ms);
  }
}

