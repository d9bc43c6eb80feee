/**
 * One device against the fake hub, as the agent suites set it up: a fresh trust (root and release
 * keys) that the hub hands out, a temp data dir, and agents started on them with quick retries
 * and no log noise. The suite keeps its own releases, docs and listeners.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeploymentDoc, Envelope, ReleaseManifest, ReportedState, SigningKey } from '@edgefleet/protocol';
import { startAgent, type Agent } from '../../src/agent';
import type { AgentOptions } from '../../src/config';
import { makeDeployment, makeTestTrust, sign, type TestTrust } from '../../../test/fixtures/signing';
import { FAST_TUNING, SILENT_LOGGER } from './agent-options';
import { startFakeHub, type FakeHub } from './fake-hub';
import { nextReport } from './wait';

export interface TestDevice {
  readonly trust: TestTrust;
  readonly hub: FakeHub;
  readonly dataDir: string;
  /** Starts an agent of this device on the hub and data dir (again, after a close, to restart it). */
  start(over?: Partial<AgentOptions>): Promise<Agent>;
  /** `payload` signed with the release key(s) the device trusts. */
  signed(payload: unknown): Promise<Envelope>;
  /** A signed deployment doc for this device naming the signed `manifest`. */
  deploy(seq: number, manifest: ReleaseManifest, over?: Partial<DeploymentDoc>): Promise<Envelope>;
  /** Publishes `doc` and resolves with the report of the last started agent serving `version`. */
  publishAndServe(doc: Envelope, version: string): Promise<ReportedState>;
  /** Closes the last started agent and the hub, and removes the data dir. */
  close(): Promise<void>;
}

/**
 * `trust`: the keys and trust document the hub hands out (default: a fresh one, one root and one
 * release key); `signers`: the keys `signed` and `deploy` sign with (default: the release key).
 */
export async function startTestDevice(opts: { deviceId: string; secret?: string; tmpPrefix: string; trust?: TestTrust; signers?: readonly SigningKey[] }): Promise<TestDevice> {
  const { deviceId, secret = 'the-device-secret-value' } = opts;
  const trust = opts.trust ?? (await makeTestTrust());
  const hub = await startFakeHub({ deviceId, secret, trust: trust.trustEnvelope });
  const dataDir = await mkdtemp(join(tmpdir(), opts.tmpPrefix));
  let agent: Agent | undefined;
  const signed = (payload: unknown): Promise<Envelope> => sign(payload, opts.signers ?? [trust.release]);
  return {
    trust,
    hub,
    dataDir,
    async start(over = {}) {
      agent = await startAgent({ hubUrl: hub.httpUrl, deviceId, deviceSecret: secret, dataDir, port: 0, logger: SILENT_LOGGER, tuning: FAST_TUNING, ...over });
      return agent;
    },
    signed,
    deploy: async (seq, manifest, over = {}) => signed(makeDeployment(await signed(manifest), { device: deviceId, seq, ...over })),
    async publishAndServe(doc, version) {
      if (!agent) throw new Error('publishAndServe before start');
      const serving = nextReport(agent, (s) => s.phase === 'serving' && s.active?.version === version, `serving v${version}`);
      await hub.publishDesired(deviceId, doc);
      return serving;
    },
    async close() {
      await agent?.close();
      await hub.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
