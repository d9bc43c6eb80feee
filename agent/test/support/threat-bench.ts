/**
 * The bench the THREATS row tests run on (docs/threats.md, "Baseline outcome for every attack"):
 * one device against the fake hub serving Silero VAD version 1, inference through the agent's
 * real local HTTP API before, during and after an attack (compared with what a bare onnxruntime
 * session answers for that version), what the agent publishes to the hub (its events and state
 * topics), and what it trusts on disk (state.json's seq and active release, trust.json).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { TRUST_TOPIC, desiredTopic, eventsTopic, stateTopic, type DeviceEvent, type Envelope, type ErrorCode, type ReportedState, type SigningKey, type TensorJson } from '@edgefleet/protocol';
import { expect } from 'vitest';
import type { Agent } from '../../src/agent';
import type { AgentOptions, AgentTuning } from '../../src/config';
import type { TestTrust } from '../../../test/fixtures/signing';
import { FAST_TUNING } from './agent-options';
import type { FakeHub } from './fake-hub';
import { runDirect, sileroInputs, sileroRelease, type SileroRelease } from './silero';
import { startTestDevice, type TestDevice } from './test-device';
import { nextReport } from './wait';

/** How long a bench waits for the agent: an install probes in a sandbox process, slow on a busy machine. */
const WAIT_MS = 60_000;

/** What POST /v1/predict answers, without the prediction ids (unique per request). */
export interface Answer {
  model: string;
  version: string;
  outputs: Record<string, TensorJson>;
}

/** What the agent trusts, as stored. */
export interface Trusted {
  lastSeq: number;
  /** the active release's artifact hash (null before one) */
  active: string | null;
  /** trust.json as stored (the pinned trust document), null when there is none */
  trust: string | null;
}

export interface RefusalCheck {
  code: ErrorCode;
  /** doc-rejected: the doc itself is refused (stored seq unchanged); install-failed: accepted, its install failed */
  event: 'doc-rejected' | 'install-failed';
  deliver: () => Promise<unknown>;
  /** the seq the stored seq moves to when the doc was accepted (install-failed) */
  seq?: number;
  /** the partial download stays for a resume (transient failures) */
  partialKept?: boolean;
}

export interface ThreatBench {
  readonly device: TestDevice;
  readonly hub: FakeHub;
  readonly agent: Agent;
  readonly dataDir: string;
  readonly deviceId: string;
  /** Silero VAD v5 as version 1 (releaseCounter 1), installed and serving at seq 1 */
  readonly v1: SileroRelease;
  /** what version 1 answers (bare onnxruntime on its bytes) */
  readonly baseline: Answer;
  /** what `release` answers to the bench's input, from a bare onnxruntime session */
  answerOf(release: SileroRelease): Promise<Answer>;
  predict(): Promise<{ status: number; body: Answer }>;
  /** one prediction, answered 200 with exactly `expected` (default: the baseline) */
  expectServing(expected?: Answer): Promise<void>;
  /**
   * Predicts back to back while `attack` runs (at least once); every answer must be `expected`
   * (or one of them, whole: while a new version is activated either may answer, never a mix).
   */
  during<T>(attack: () => Promise<T>, expected?: Answer | readonly Answer[]): Promise<T>;
  /** the next event/state the agent publishes to the hub from now on that matches */
  published(kind: 'events', predicate: (event: DeviceEvent) => boolean): Promise<DeviceEvent>;
  published(kind: 'state', predicate: (state: ReportedState) => boolean): Promise<ReportedState>;
  trusted(): Promise<Trusted>;
  /** every file under the data dir, relative, sorted */
  files(): Promise<string[]>;
  /** publishes `doc` retained, as the hub does, and resolves once `version` serves */
  install(doc: Envelope, version: string): Promise<ReportedState>;
  /** publishes `doc` on the device's desired topic, not retained (an attacker's one-off) */
  publishDoc(doc: Envelope | string): Promise<void>;
  publishTrust(doc: Envelope | string): Promise<void>;
  /**
   * The baseline outcome: inference before, during and after `deliver`; the agent publishes the
   * `event` and a state with `code`; it keeps serving `expected`; trust, active release and
   * (for a refused doc) the stored seq are unchanged; no partial file is left unless said so.
   */
  expectRefused(check: RefusalCheck, expected?: Answer): Promise<{ event: DeviceEvent; state: ReportedState }>;
  /** closes the agent and starts it again on the same data dir; resolves once it is back on the broker */
  restart(over?: Partial<AgentOptions>): Promise<Agent>;
  close(): Promise<void>;
}

export const THREAT_INPUTS = sileroInputs(3);

export interface BenchOptions {
  deviceId: string;
  tuning?: Partial<AgentTuning>;
  trust?: TestTrust;
  /** the keys the bench's own docs are signed with (a trust with a release threshold above 1) */
  signers?: readonly SigningKey[];
  agent?: Partial<AgentOptions>;
}

export async function startThreatBench(opts: BenchOptions): Promise<ThreatBench> {
  const { deviceId } = opts;
  const device = await startTestDevice({ deviceId, tmpPrefix: `threat-${deviceId}-`, ...(opts.trust ? { trust: opts.trust } : {}), ...(opts.signers ? { signers: opts.signers } : {}) });
  const { hub, dataDir } = device;
  const agentOptions = (over: Partial<AgentOptions> = {}): Partial<AgentOptions> => ({ ...opts.agent, ...over, tuning: { ...FAST_TUNING, ...opts.tuning, ...over.tuning } });
  let agent: Agent;
  try {
    const v1 = await sileroRelease({ baseUrl: hub.httpUrl, version: '1', releaseCounter: 1 });
    hub.artifacts.set(v1.sha256, v1.bytes);
    agent = await device.start(agentOptions());
    const install = async (doc: Envelope, version: string): Promise<ReportedState> => {
      const serving = nextReport(agent, (s) => s.phase === 'serving' && s.active?.version === version, `serving version ${version}`, WAIT_MS);
      await hub.publishDesired(deviceId, doc);
      return serving;
    };
    await install(await device.deploy(1, v1.manifest), '1');

    // Through JSON, as the local API answers (-0 becomes 0).
    const answerOf = async (release: SileroRelease): Promise<Answer> =>
      JSON.parse(JSON.stringify({ model: release.manifest.model, version: release.manifest.version, outputs: await runDirect(release.bytes, THREAT_INPUTS) })) as Answer;
    const baseline = await answerOf(v1);

    const predict = async (): Promise<{ status: number; body: Answer }> => {
      const res = await fetch(`${agent.localUrl}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: THREAT_INPUTS }) });
      const body = (await res.json()) as Answer & { predictionIds?: unknown };
      return { status: res.status, body: { model: body.model, version: body.version, outputs: body.outputs } };
    };
    const expectServing = async (expected = baseline): Promise<void> => {
      expect(await predict()).toEqual({ status: 200, body: expected });
    };
    const during = async <T>(attack: () => Promise<T>, expected: Answer | readonly Answer[] = baseline): Promise<T> => {
      let attacking = true;
      const answers: Array<{ status: number; body: Answer }> = [];
      const loop = (async () => {
        do answers.push(await predict());
        while (attacking);
      })();
      let outcome: { ok: true; value: T } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, value: await attack() };
      } catch (error) {
        outcome = { ok: false, error };
      }
      attacking = false;
      await loop;
      if (!outcome.ok) throw outcome.error;
      expect(answers.length).toBeGreaterThan(0);
      const allowed = (Array.isArray(expected) ? expected : [expected]).map((body) => ({ status: 200, body }));
      for (const answer of answers) expect(allowed).toContainEqual(answer);
      return outcome.value;
    };
    const published = (kind: 'events' | 'state', predicate: (payload: never) => boolean): Promise<never> => {
      const seen = new Set(hub.published.map((m) => m.payload));
      const topic = kind === 'events' ? eventsTopic(deviceId) : stateTopic(deviceId);
      return hub.nextPublish(topic, (payload) => !seen.has(payload) && predicate(payload as never), WAIT_MS) as Promise<never>;
    };
    const trusted = async (): Promise<Trusted> => {
      const state = JSON.parse(await readFile(join(dataDir, 'state.json'), 'utf8')) as { lastSeq: number; active: { manifest: { artifact: { sha256: string } } } | null };
      const trust = await readFile(join(dataDir, 'trust.json'), 'utf8').catch((error: unknown) => {
        if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return null;
        throw error;
      });
      return { lastSeq: state.lastSeq, active: state.active?.manifest.artifact.sha256 ?? null, trust };
    };
    const files = async (): Promise<string[]> => {
      const entries = await readdir(dataDir, { recursive: true, withFileTypes: true });
      return entries.filter((e) => e.isFile()).map((e) => relative(dataDir, join(e.parentPath, e.name))).sort();
    };
    const asText = (doc: Envelope | string) => (typeof doc === 'string' ? doc : JSON.stringify(doc));

    const bench: ThreatBench = {
      device,
      hub,
      get agent() {
        return agent;
      },
      dataDir,
      deviceId,
      v1,
      baseline,
      answerOf,
      predict,
      expectServing,
      during,
      published: published as ThreatBench['published'],
      trusted,
      files,
      install,
      publishDoc: (doc) => hub.publish(desiredTopic(deviceId), asText(doc), false),
      publishTrust: (doc) => hub.publish(TRUST_TOPIC, asText(doc), false),
      async expectRefused(check, expected = baseline) {
        await expectServing(expected);
        const before = await trusted();
        const event = bench.published('events', (e) => e.kind === check.event && e.error?.code === check.code);
        const state = bench.published('state', (s) => s.error?.code === check.code);
        const seen = await during(async () => {
          await check.deliver();
          return Promise.all([event, state]);
        }, expected);
        expect(seen[1]).toMatchObject({ phase: 'serving', active: { version: expected.version } });
        await expectServing(expected);
        const after = await trusted();
        expect(after.trust).toBe(before.trust);
        expect(after.active).toBe(before.active);
        expect(after.lastSeq).toBe(check.event === 'doc-rejected' ? before.lastSeq : check.seq);
        expect(agent.status()).toMatchObject({ active: { version: expected.version }, error: { code: check.code } });
        if (!check.partialKept) expect(await readdir(join(dataDir, 'tmp'))).toEqual([]);
        return { event: seen[0], state: seen[1] };
      },
      async restart(over = {}) {
        await agent.close();
        // One-off attack docs reach it once the broker holds its subscriptions again.
        const subscribed = hub.nextSubscribe(deviceId, WAIT_MS);
        agent = await device.start(agentOptions(over));
        await subscribed;
        return agent;
      },
      close: () => device.close(),
    };
    await expectServing();
    return bench;
  } catch (error) {
    await device.close();
    throw error;
  }
}
