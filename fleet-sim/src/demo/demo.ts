/**
 * The demo's flow, headless (index.ts adds the terminal view; the smoke test runs it as is). It
 * reads as a list of named stages: data dir -> hub -> rings and devices (and the web page's ring
 * and link) -> training of both versions (queued together, the hub trains them one after the
 * other, then the web page's digits model) -> agents -> version 1 everywhere -> traffic -> the
 * staged rollout of version 2. The web page's part (web.ts) goes on beside it from the training
 * stage on, and a failure there is logged without stopping the rest. `close()` undoes whatever
 * has been started, also halfway through `setup()` (Ctrl-C while a model trains).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Hub, Logger } from '@edgefleet/hub';
import type { AgentLogger, LogFields } from '@edgefleet/agent';
import { AdminApi, anySchema, signInLinkSchema, createdRunSchema, datasetSchema, devicesSchema, rolloutSchema, runSchema, versionSchema, type Run } from './api';
import type { DemoOptions } from './cli';
import { RINGS, closeFleet, enrolFleet, ringSizes, startFleet, type SimDevice } from './fleet';
import { startDemoHub } from './hub';
import { MACHINE_TARGET, machineCsv, type Shift } from './machine-data';
import { demoPlan } from './plan';
import { Traffic, layoutOf, type InputLayout } from './traffic';
import { WEB_DIGITS_PER_CLASS, WEB_SWITCH_DELAY_S, WebDemo } from './web';

export const MODEL = 'machine-health';
export const FROM_VERSION = '1';
export const TO_VERSION = '2';
/** the `--bad` version's training data: vibration read 3 sds high (a sensor calibration bug) */
export const BAD_SHIFT: Shift = { vibration: 3 };

export interface DemoConfig extends DemoOptions {
  /** 'contract' = 8080/1883 with fallback (npm run demo); 'ephemeral' = port 0 (tests) */
  ports: 'contract' | 'ephemeral';
  /** default: EDGEFLEET_ADMIN_TOKEN, else a random one */
  adminToken?: string;
  /** requests a gate needs on the new version before judging error rate and latency; default 100 (tests with one canary device use fewer) */
  gateMinRequests?: number;
  /** MNIST digits of each class the web page's model learns from; default 600 (tests use fewer) */
  webDigitsPerClass?: number;
  /** least time the web page's digits 1 serves before its int8 twin replaces it; default 30 s */
  webSwitchDelayS?: number;
}

/** One line for the demo's log (timestamps and colours are the view's business). */
export type DemoLog = (line: string) => void;

/** Thrown out of `setup()` when `close()` was called meanwhile: not a failure. */
export class DemoClosed extends Error {
  constructor() {
    super('demo closed');
    this.name = 'DemoClosed';
  }
}

const POLL_MS = 250;

export class Demo {
  hub: Hub | null = null;
  api: AdminApi | null = null;
  devices: SimDevice[] = [];
  traffic: Traffic | null = null;
  rolloutId: string | null = null;
  /** versions registered so far (the view asks for drift only of those) */
  readonly versions: string[] = [];
  /** what the hub start could not do as asked (busy ports) */
  notes: string[] = [];
  dataDir = '';
  readonly adminToken: string;
  /** a one-time sign-in link to the admin console, made once the hub is up */
  consoleLink: string | null = null;
  /** the web page's part: its link, model and rollouts (web.ts), once the rings are defined */
  web: WebDemo | null = null;
  /** the web part's course after its link: never rejects (its failures are logged) */
  webRunning: Promise<void> | null = null;
  readonly startedAt = new Date();
  private readonly layouts = new Map<string, InputLayout>();
  private closing: Promise<void> | null = null;
  private running: Promise<void> | null = null;
  private removeDataDir = false;
  private runs: { from: string; to: string } | null = null;

  constructor(
    readonly config: DemoConfig,
    private readonly log: DemoLog,
  ) {
    this.adminToken = config.adminToken ?? process.env['EDGEFLEET_ADMIN_TOKEN'] ?? randomBytes(24).toString('base64url');
  }

  /** Runs the stages in order; resolves once the rollout has started. */
  setup(): Promise<void> {
    return (this.running ??= this.runStages());
  }

  private async runStages(): Promise<void> {
    const stages: Array<[string, () => Promise<void>]> = [
      ['prepare the data dir', () => this.prepareDataDir()],
      ['start the hub', () => this.startHub()],
      ['enrol the fleet', () => this.enrol()],
      ['train both versions', () => this.queueTraining()],
      ['start the agents', () => this.startAgents()],
      [`deploy version ${FROM_VERSION}`, () => this.deployFirstVersion()],
      ['start the traffic', () => this.startTraffic()],
      [`roll out version ${TO_VERSION}`, () => this.startRollout()],
    ];
    for (const [name, run] of stages) {
      this.checkOpen();
      try {
        await run();
      } catch (error) {
        if (error instanceof DemoClosed || this.closing) throw new DemoClosed();
        throw new Error(`demo: could not ${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    }
  }

  /** The directory the demo kept its data in (given with --data-dir and prepared), or null. */
  keptDataDir(): string | null {
    return this.config.dataDir !== null && this.dataDir !== '' ? this.dataDir : null;
  }

  /** The admin API, once the hub runs. */
  requireApi(): AdminApi {
    if (!this.api) throw new Error('the hub is not running');
    return this.api;
  }

  /** Stops traffic (no request then meets a closing agent), agents, then the hub (agents do not spend their last moments reconnecting); idempotent. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      // Let the stage in progress notice (every wait polls checkOpen), so what it was starting
      // (an agent, a request) is there to be closed below rather than appearing afterwards.
      await this.running?.catch(() => {});
      await this.webRunning;
      await this.traffic?.stop();
      const agents = this.devices.filter((d) => d.agent).length;
      if (agents > 0) this.log(`closing ${agents} agents`);
      await closeFleet(this.devices);
      if (this.hub) this.log('closing the hub');
      await this.hub?.close();
      if (this.removeDataDir && this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
    })());
  }

  // ---- stages ----

  private async prepareDataDir(): Promise<void> {
    if (this.config.dataDir === null) {
      this.dataDir = await mkdtemp(join(tmpdir(), 'edgefleet-demo-'));
      this.removeDataDir = true;
      return;
    }
    const dir = resolve(this.config.dataDir);
    // A fresh hub every run: an old one would already hold these devices and versions.
    const existing = await readdir(dir).catch((error: unknown) => {
      if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return [];
      throw error;
    });
    if (existing.length > 0) throw new Error(`--data-dir ${dir} is not empty: give a new or empty directory (the demo starts a fresh hub)`);
    await mkdir(dir, { recursive: true });
    this.dataDir = dir;
  }

  private async startHub(): Promise<void> {
    const started = await startDemoHub({
      dataDir: join(this.dataDir, 'hub'),
      host: this.config.host,
      adminToken: this.adminToken,
      statsIntervalS: this.config.statsIntervalS,
      ports: this.config.ports,
      logger: this.hubLogger(),
    });
    this.hub = started.hub;
    this.notes = started.notes;
    this.api = new AdminApi(started.hub);
    for (const note of started.notes) this.log(note);
    this.log(`hub started: ${started.hub.httpUrl} (MQTT ${started.hub.mqttUrl})`);
    // The demo runs for hours if left alone: the link is good for a day, and for one browser.
    this.consoleLink = (await this.api.post('/api/v1/session/links', signInLinkSchema, { json: { ttlS: 86_400 } })).url;
    this.log(`admin console: ${this.consoleLink} (one-time sign-in link; after that, sign in with the admin token)`);
  }

  private async enrol(): Promise<void> {
    this.devices = await enrolFleet(this.requireApi(), this.config.devices);
    const sizes = ringSizes(this.config.devices);
    this.log(`rings canary, early, main defined; ${this.devices.length} devices enrolled (canary ${sizes.canary}, early ${sizes.early}, main ${sizes.main})`);
    const hub = this.hub;
    if (!hub) throw new Error('the hub is not running');
    this.web = new WebDemo(
      { api: this.requireApi(), httpUrl: hub.httpUrl, log: this.log, until: (what, deadlineMs, check) => this.until(what, deadlineMs, check), mainRolloutId: () => this.rolloutId },
      { digitsPerClass: this.config.webDigitsPerClass ?? WEB_DIGITS_PER_CLASS, switchDelayS: this.config.webSwitchDelayS ?? WEB_SWITCH_DELAY_S },
    );
    await this.web.openRing(RINGS.length).catch((error: unknown) => this.webFailed(error));
  }

  private async queueTraining(): Promise<void> {
    const api = this.requireApi();
    const upload = (name: string, shift: Shift, seed: number) => api.post(`/api/v1/datasets?name=${name}`, datasetSchema, { bytes: machineCsv(3000, seed, shift), contentType: 'text/csv' });
    const clean = await upload('machines', {}, 1);
    // v1: a linear classifier; v2: a small MLP on the same data (a better model), or with --bad
    // on readings whose vibration sensor was miscalibrated (it will see other data in the field).
    const training = this.config.bad ? await upload('machines-miscalibrated', BAD_SHIFT, 2) : clean;
    const train = (version: string, dataset: string, trainer: 'linear' | 'mlp', params: Record<string, unknown>) =>
      api.post('/api/v1/training-runs', createdRunSchema, { json: { dataset, target: MACHINE_TARGET, task: 'classification', trainer, params, model: MODEL, version, seed: 1 } });
    const from = await train(FROM_VERSION, clean.id, 'linear', { epochs: 30 });
    const to = await train(TO_VERSION, training.id, 'mlp', { hidden: [16], epochs: 40 });
    this.runs = { from: from.id, to: to.id };
    this.log(`training ${MODEL} ${FROM_VERSION} (linear) and ${TO_VERSION} (mlp${this.config.bad ? ', on miscalibrated vibration readings: --bad' : ''}) on ${clean.rows} seeded rows`);
    // Queued behind these two (the hub trains in order), then on by itself: not awaited here.
    const web = this.web;
    if (web?.link) this.webRunning = web.queueTraining().then((runId) => web.roll(runId)).catch((error: unknown) => this.webFailed(error));
  }

  private async startAgents(): Promise<void> {
    const hub = this.hub;
    if (!hub) throw new Error('the hub is not running');
    await startFleet(this.devices, { hubUrl: hub.httpUrl, brokerUrl: hub.mqttUrl, dataRoot: join(this.dataDir, 'agents'), logger: (device) => this.agentLogger(device) });
    this.log(`${this.devices.length} agents started (real agent code, in this process, each with its own data dir and local API)`);
  }

  private async deployFirstVersion(): Promise<void> {
    const api = this.requireApi();
    await this.trained(this.runs?.from ?? '', FROM_VERSION);
    this.layouts.set(FROM_VERSION, await this.layout(FROM_VERSION));
    const started = Date.now();
    for (const device of this.devices) await api.put(`/api/v1/devices/${device.id}/assignment`, anySchema, { json: { model: MODEL, version: FROM_VERSION } });
    // The hub's view, not the agents': the rollout's `previous` and control group come from it.
    await this.until(`every device serving ${MODEL}@${FROM_VERSION}`, 60_000, async () => {
      const { devices } = await api.get('/api/v1/devices', devicesSchema);
      const serving = devices.filter((d) => d.state?.phase === 'serving' && d.state.active?.model === MODEL && d.state.active.version === FROM_VERSION).length;
      return serving === this.devices.length ? true : null;
    });
    this.log(`version ${FROM_VERSION} assigned to every device: ${this.devices.length} of ${this.devices.length} serving after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  private async startTraffic(): Promise<void> {
    this.traffic = new Traffic(this.devices, { rate: this.config.rate, layouts: this.layouts, onError: (device, code) => this.log(`traffic: ${device} refused a request (${code})`) });
    this.traffic.start();
    this.log(`traffic: ${this.config.rate} rows/s to every device through its local API; windows every ${this.config.statsIntervalS} s`);
  }

  private async startRollout(): Promise<void> {
    const api = this.requireApi();
    await this.trained(this.runs?.to ?? '', TO_VERSION);
    const to = await this.layout(TO_VERSION);
    this.layouts.set(TO_VERSION, to);
    const plan = demoPlan(this.config.bakeS, this.config.gateMinRequests);
    const rollout = await api.post('/api/v1/rollouts', rolloutSchema, { json: { model: MODEL, version: TO_VERSION, plan } });
    this.rolloutId = rollout.id;
    this.log(`rollout ${rollout.id.slice(0, 8)} of ${MODEL} ${FROM_VERSION} -> ${TO_VERSION} started: canary, bake ${this.config.bakeS} s, gate, 50%, bake ${this.config.bakeS} s, gate, 100%`);
  }

  // ---- helpers ----

  private async trained(runId: string, version: string): Promise<Run> {
    const api = this.requireApi();
    const run = await this.until(`training of ${version}`, 180_000, async () => {
      const current = await api.get(`/api/v1/training-runs/${runId}`, runSchema);
      return ['succeeded', 'failed', 'cancelled'].includes(current.status) ? current : null;
    });
    if (run.status !== 'succeeded' || run.resultVersion?.version !== version) throw new Error(`training of ${version} ${run.status}: ${JSON.stringify(run.error)}`);
    this.versions.push(version);
    const { name, value, beatsBaseline } = run.metric;
    this.log(`version ${version} trained: test ${name} ${value === null ? 'n/a' : value.toFixed(3)}${beatsBaseline ? ' (beats the baseline)' : ''}`);
    return run;
  }

  private async layout(version: string): Promise<InputLayout> {
    const { manifest } = await this.requireApi().get(`/api/v1/models/${MODEL}/versions/${version}`, versionSchema);
    return layoutOf(`${MODEL}@${version}`, manifest.reference);
  }

  /** Polls `check` until it returns a value, for at most `deadlineMs`. */
  private async until<T>(what: string, deadlineMs: number, check: () => Promise<T | null>): Promise<T> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      this.checkOpen();
      const value = await check();
      if (value !== null) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs / 1000} s waiting for ${what}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** The web part stops where it failed; the rest of the demo goes on. */
  private webFailed(error: unknown): void {
    if (error instanceof DemoClosed || this.closing) return;
    const message = error instanceof Error ? error.message : String(error);
    if (this.web) this.web.status = `stopped: ${message}`;
    this.log(`web page: ${message} (the rest of the demo goes on)`);
  }

  private checkOpen(): void {
    if (this.closing) throw new DemoClosed();
  }

  /** Hub warnings and errors go to the demo's log; its info lines would drown the view. */
  private hubLogger(): Logger {
    const line = (level: string) => (msg: string, fields?: object) => this.log(`hub ${level}: ${msg}${fields ? ` ${brief(fields)}` : ''}`);
    return { info: () => {}, warn: line('warn'), error: line('error') };
  }

  /** Agent warnings and errors, once per device and message (a retry loop would otherwise flood the log). */
  private readonly agentLines = new Set<string>();
  private agentLogger(device: string): Partial<AgentLogger> {
    const seen = this.agentLines;
    const line = (level: string) => (msg: string, fields?: LogFields) => {
      const key = `${device}\u0000${msg}`;
      if (seen.has(key)) return;
      seen.add(key);
      this.log(`${device} ${level}: ${msg}${fields ? ` ${brief(fields)}` : ''}`);
    };
    return { debug: () => {}, info: () => {}, warn: line('warn'), error: line('error') };
  }
}

/** Log fields as short JSON (errors by message). */
function brief(fields: object): string {
  const text = JSON.stringify(fields, (_key, value: unknown) => (value instanceof Error ? value.message : value));
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
