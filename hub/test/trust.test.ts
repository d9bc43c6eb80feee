/**
 * The hub's trust chain with its root keys offline (THREATS "Keys"): it starts from a trust
 * document and a release key an operator placed, never holds a root key, refuses every next
 * version that does not follow (E_ROOT_CHAIN) or that it could sign nothing under
 * (E_NO_RELEASE_KEY), publishes one that does (stored, audited, retained, served to walking
 * devices), signs again with the new release key what devices need after a revocation, and
 * notices a version another replica stored in the shared data dir.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TRUST_TOPIC, desiredTopic, parseEnvelope, readTrustPayload, verifyDeployment, verifyInitialTrust, verifyTrustUpdate, type Envelope, type TrustDoc } from '@edgefleet/protocol';
import type { Hub } from '../src/index';
import { writeTrustVersion } from '../src/adapters/keys';
import { offlineKey, placeOfflineTrust, placeReleaseKey, signedTrust, type OfflineKey } from '../../test/support/trust-keys';
import { until } from '../../test/support/process';
import { SILERO_PROBE, SILERO_V5, api, basicAuth, connectDevice, enrol, makeTempDir, nextMessage, releaseFetcher, testHub, type TempDir } from './support';

interface TrustView {
  version: number;
  signingKeyids: string[];
  heldReleaseKeys: Array<{ keyid: string; file: string; signing: boolean }>;
  warning: string | null;
  envelope: Envelope;
}

describe('trust chain with offline root keys', () => {
  let dir: TempDir;
  let hub: Hub;
  let roots: OfflineKey[];
  let releaseA: OfflineKey;
  let releaseB: OfflineKey;
  let releaseC: OfflineKey;
  let assignedSeq = 0;
  let v1: Envelope;
  let secret: string;

  beforeAll(async () => {
    dir = await makeTempDir();
    roots = [await offlineKey(), await offlineKey()];
    releaseA = await offlineKey();
    releaseB = await offlineKey();
    v1 = await signedTrust({ version: 1, roots, rootThreshold: 2, releases: [releaseA] }, roots);
    await placeOfflineTrust(dir.path, v1, [releaseA]);
    hub = await testHub(dir.path);
  });
  afterAll(async () => {
    await hub?.close();
    await dir?.remove();
  });

  const trustNow = async () => (await api<TrustView>(hub, 'GET', '/api/v1/trust')).body;
  const deviceGet = (path: string, id: string, key: string) => fetch(`${hub.httpUrl}${path}`, { headers: { authorization: basicAuth(id, key) } });

  it('starts with the operator-made trust document and release key, and no root key on disk', async () => {
    expect((await readdir(join(dir.path, 'keys'))).filter((name) => name.endsWith('.pem'))).toEqual([`release-${releaseA.key.keyid.slice(0, 16)}.pem`]);
    const view = await trustNow();
    expect(view).toMatchObject({ version: 1, signingKeyids: [releaseA.key.keyid], warning: null, envelope: v1 });
    expect(view.heldReleaseKeys).toEqual([{ keyid: releaseA.key.keyid, file: `keys/release-${releaseA.key.keyid.slice(0, 16)}.pem`, signing: true }]);
    expect(hub.releaseKey.keyid).toBe(releaseA.key.keyid);

    secret = await enrol(hub, 'dev-t');
    const config = (await (await deviceGet('/device/v1/config', 'dev-t', secret)).json()) as { trust: Envelope };
    expect(config.trust).toEqual(v1);
    const first = await deviceGet('/device/v1/trust/1', 'dev-t', secret);
    expect(first.status).toBe(200);
    expect(parseEnvelope(new Uint8Array(await first.arrayBuffer()), 'trust')).toEqual(v1);
    expect((await deviceGet('/device/v1/trust/2', 'dev-t', secret)).status).toBe(404);
    expect((await deviceGet('/device/v1/trust/1', 'dev-t', 'wrong-secret')).status).toBe(401);
  });

  it('refuses versions that do not follow: a gap, too few root signatures, the wrong roots, no release key held, expired', async () => {
    const newRoot = await offlineKey();
    const publish = (envelope: Envelope) => api<{ error: { code: string; message: string } }>(hub, 'POST', '/api/v1/trust', { json: envelope });
    const refusals = [
      { what: 'version 3 after 1', envelope: await signedTrust({ version: 3, roots, rootThreshold: 2, releases: [releaseA] }, roots), status: 422, code: 'E_ROOT_CHAIN' },
      { what: 'one of the two root signatures', envelope: await signedTrust({ version: 2, roots, rootThreshold: 2, releases: [releaseA] }, [roots[0] as OfflineKey]), status: 422, code: 'E_ROOT_CHAIN' },
      { what: 'signed by new roots only', envelope: await signedTrust({ version: 2, roots: [newRoot], releases: [releaseA] }, [newRoot]), status: 422, code: 'E_ROOT_CHAIN' },
      { what: 'expired', envelope: await signedTrust({ version: 2, roots, rootThreshold: 2, releases: [releaseA], expires: new Date(Date.now() - 1000) }, roots), status: 400, code: 'E_VALIDATION' },
    ];
    for (const { what, envelope, status, code } of refusals) {
      const reply = await publish(envelope);
      expect({ what, status: reply.status, code: reply.body.error.code }).toEqual({ what, status, code });
    }
    const unheld = await publish(await signedTrust({ version: 2, roots, rootThreshold: 2, releases: [releaseB] }, roots));
    expect(unheld.status).toBe(409);
    expect(unheld.body.error.code).toBe('E_NO_RELEASE_KEY');
    expect(unheld.body.error.message).toContain(releaseB.key.keyid);
    expect(unheld.body.error.message).toContain(join(dir.path, 'keys', `release-${releaseB.key.keyid.slice(0, 16)}.pem`));
    expect((await publish({ payload: 'bm90IGpzb24=', signatures: [{ keyid: 'a'.repeat(64), sig: 'AA==' }] })).body.error.code).toBe('E_VALIDATION');
    // Nothing changed.
    expect((await trustNow()).version).toBe(1);
    expect(await readdir(join(dir.path, 'trust'))).toEqual(['1.json']);
  });

  it('revoking release key A: v2 names only B; manifests and deployment docs are signed again under B', async () => {
    expect((await api(hub, 'POST', `/api/v1/models/vad/versions?version=1&probe=${SILERO_PROBE}`, { bytes: new Uint8Array(await readFile(SILERO_V5)) })).status).toBe(201);
    const assigned = await api<{ seq: number }>(hub, 'PUT', '/api/v1/devices/dev-t/assignment', { json: { model: 'vad', version: '1' } });
    expect(assigned.status).toBe(200);
    assignedSeq = assigned.body.seq;

    await placeReleaseKey(dir.path, releaseB);
    const v2 = await signedTrust({ version: 2, roots, rootThreshold: 2, releases: [releaseB] }, roots);
    const published = await api<{ version: number; created: boolean; resigned: { manifests: number; deploymentDocs: number } }>(hub, 'POST', '/api/v1/trust', { json: v2 });
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    expect(published.body).toMatchObject({ version: 2, created: true, resigned: { manifests: 1, deploymentDocs: 1 } });
    expect((await api(hub, 'POST', '/api/v1/trust', { json: v2 })).body).toMatchObject({ version: 2, created: false });

    const view = await trustNow();
    expect(view.signingKeyids).toEqual([releaseB.key.keyid]);
    expect(view.heldReleaseKeys.find((k) => k.keyid === releaseA.key.keyid)?.signing).toBe(false);
    expect(hub.releaseKey.keyid).toBe(releaseB.key.keyid);
    expect(JSON.parse(await readFile(join(dir.path, 'trust', '2.json'), 'utf8'))).toEqual(v2);
    expect(JSON.parse(await readFile(join(dir.path, 'trust.json'), 'utf8'))).toEqual(v2);
    expect((await stat(join(dir.path, 'trust', '2.json'))).mode & 0o777).toBe(0o644);
    const audit = await api<{ entries: Array<{ action: string; subject: string; actor: string }> }>(hub, 'GET', '/api/v1/audit?action=trust.');
    expect(audit.body.entries[0]).toMatchObject({ action: 'trust.published', subject: 'trust:2', actor: 'admin' });

    // What a device on v2 sees: the retained trust doc and a deployment doc it accepts, signed by B.
    const trust2 = await verifyTrustUpdate(await verifyInitialTrust(v1, new Date()), v2, new Date());
    const client = await connectDevice(hub, 'dev-t', secret);
    try {
      const trustMessage = nextMessage(client, TRUST_TOPIC);
      const desired = nextMessage(client, desiredTopic('dev-t'));
      await client.subscribeAsync([TRUST_TOPIC, desiredTopic('dev-t')], { qos: 1 });
      expect(JSON.parse((await trustMessage).toString())).toEqual(v2);
      const doc = parseEnvelope(new Uint8Array(await desired), 'deployment');
      expect(doc.signatures.map((s) => s.keyid)).toEqual([releaseB.key.keyid]);
      const verdict = await verifyDeployment(new Uint8Array(await desired), { trust: trust2, deviceId: 'dev-t', now: new Date(), lastSeq: assigned.body.seq, active: null, runtime: { version: '9.9.9', maxOpset: 99 }, fetchRelease: releaseFetcher(hub, 'dev-t', secret) });
      expect(verdict).toMatchObject({ kind: 'accept', release: { model: 'vad', version: '1' } });
      // Under v1 (A only) the same doc is refused: the revoked key signs nothing any more.
      await expect(verifyDeployment(new Uint8Array(await desired), { trust: await verifyInitialTrust(v1, new Date()), deviceId: 'dev-t', now: new Date(), lastSeq: 0, active: null, runtime: { version: '9.9.9', maxOpset: 99 } })).rejects.toMatchObject({ code: 'E_SIG_UNTRUSTED' });
    } finally {
      await client.endAsync();
    }
    const version = await api<{ manifestEnvelope: Envelope }>(hub, 'GET', '/api/v1/models/vad/versions/1');
    expect(version.body.manifestEnvelope.signatures.map((s) => s.keyid)).toEqual([releaseB.key.keyid]);
  });

  it('a version another replica stored in the shared data dir is noticed: served, retained, listed, and what B signed is signed again under C', async () => {
    releaseC = await offlineKey();
    await placeReleaseKey(dir.path, releaseC);
    const v3 = await signedTrust({ version: 3, roots, rootThreshold: 2, releases: [releaseC] }, roots);
    // As a replica stores it (temp file, then linked into place): the running hub never reads it half-written.
    expect(await writeTrustVersion(dir.path, 3, v3)).toBe('written');
    const config = await until(async () => {
      const body = (await (await deviceGet('/device/v1/config', 'dev-t', secret)).json()) as { trust: Envelope };
      return readTrustPayload(body.trust).version === 3 ? body : undefined;
    }, 'config serving version 3', 30_000);
    expect(config.trust).toEqual(v3);
    const client = await connectDevice(hub, 'dev-t', secret);
    try {
      await until(async () => {
        const message = nextMessage(client, TRUST_TOPIC);
        await client.subscribeAsync(TRUST_TOPIC, { qos: 1 });
        const version = readTrustPayload(JSON.parse((await message).toString()) as Envelope).version;
        await client.unsubscribeAsync(TRUST_TOPIC);
        return version === 3 ? true : undefined;
      }, 'retained trust version 3', 30_000);
    } finally {
      await client.endAsync();
    }
    const versions = await api<{ versions: Array<{ version: number; release: { keyids: string[] } }> }>(hub, 'GET', '/api/v1/trust/versions');
    expect(versions.body.versions.map((v) => v.version)).toEqual([1, 2, 3]);
    expect((await trustNow()).signingKeyids).toEqual([releaseC.key.keyid]);
    // This replica did not publish v3, yet it signs again what the revoked key B signed.
    await until(async () => {
      const version = await api<{ manifestEnvelope: Envelope }>(hub, 'GET', '/api/v1/models/vad/versions/1');
      return version.body.manifestEnvelope.signatures[0]?.keyid === releaseC.key.keyid ? true : undefined;
    }, 'the manifest signed under C', 30_000);
    const doc = await until(async () => {
      const row = await api<{ assignment: { seq: number } }>(hub, 'GET', '/api/v1/devices/dev-t');
      return row.body.assignment.seq > assignedSeq + 1 ? row.body.assignment : undefined;
    }, 'a deployment doc issued again', 30_000);
    expect(doc.seq).toBe(assignedSeq + 2);
    const one = await api<{ envelope: Envelope }>(hub, 'GET', '/api/v1/trust/versions/2');
    expect(readTrustPayload(one.body.envelope).version).toBe(2);
    expect((await api(hub, 'GET', '/api/v1/trust/versions/9')).status).toBe(404);
  });

  it('restarts from the chain and its release keys alone', async () => {
    await hub.close();
    hub = await testHub(dir.path);
    const view = await trustNow();
    expect(view.version).toBe(3);
    expect(view.signingKeyids).toEqual([releaseC.key.keyid]);
    expect(hub.releaseKey.keyid).toBe(releaseC.key.keyid);
    expect((await readdir(join(dir.path, 'keys'))).some((name) => name === 'root.pem')).toBe(false);
  });
});

describe('trust chain: start-up refusals and warnings', () => {
  const dirs: TempDir[] = [];
  afterAll(async () => {
    for (const d of dirs) await d.remove();
  });

  it('refuses to start when the trust document names no release key the hub holds, naming the keyid and the file', async () => {
    const dir = await makeTempDir();
    dirs.push(dir);
    const root = await offlineKey();
    const release = await offlineKey();
    await placeOfflineTrust(dir.path, await signedTrust({ version: 1, roots: [root], releases: [release] }, [root]), []);
    await expect(testHub(dir.path)).rejects.toThrow(`place the private key of keyid ${release.key.keyid} in ${join(dir.path, 'keys', `release-${release.key.keyid.slice(0, 16)}.pem`)}`);
  });

  it('warns within 30 days of the newest version expiring, in the log and GET /api/v1/trust', async () => {
    const dir = await makeTempDir();
    dirs.push(dir);
    const root = await offlineKey();
    const release = await offlineKey();
    await placeOfflineTrust(dir.path, await signedTrust({ version: 1, roots: [root], releases: [release], expires: new Date(Date.now() + 10 * 86_400_000) }, [root]), [release]);
    const warnings: string[] = [];
    const hub = await testHub(dir.path, { logger: { info: () => undefined, error: () => undefined, warn: (message: string) => void warnings.push(message) } });
    try {
      expect(warnings.some((w) => /trust document version 1 expires at .* \(in 10 days\): publish version 2/.test(w))).toBe(true);
      const view = (await api<TrustView & { expiresInDays: number }>(hub, 'GET', '/api/v1/trust')).body;
      expect(view.expiresInDays).toBe(9);
      expect(view.warning).toMatch(/publish version 2 with the same keys/);
    } finally {
      await hub.close();
    }
  });

  it('completes a first start that was killed between writing the root key and the release key', async () => {
    const dir = await makeTempDir();
    dirs.push(dir);
    const root = await offlineKey();
    await mkdir(join(dir.path, 'keys'), { recursive: true });
    await writeFile(join(dir.path, 'keys', 'root.pem'), root.pem, { mode: 0o600 });
    const hub = await testHub(dir.path);
    try {
      const trust: TrustDoc = readTrustPayload(JSON.parse(await readFile(join(dir.path, 'trust', '1.json'), 'utf8')) as Envelope);
      expect(trust.roles.root.keyids).toEqual([root.key.keyid]);
      expect(trust.roles.release.keyids).toEqual([hub.releaseKey.keyid]);
      expect((await stat(join(dir.path, 'keys', 'release.pem'))).mode & 0o777).toBe(0o600);
    } finally {
      await hub.close();
    }
  });

  it('a development hub makes its own root key on first start and says it is online', async () => {
    const dir = await makeTempDir();
    dirs.push(dir);
    const warnings: Array<{ message: string; fields: unknown }> = [];
    const hub = await testHub(dir.path, { logger: { info: () => undefined, error: () => undefined, warn: (message: string, fields?: unknown) => void warnings.push({ message, fields }) } });
    try {
      expect((await readdir(join(dir.path, 'keys'))).sort()).toEqual(expect.arrayContaining(['release.pem', 'root.pem']));
      expect(warnings.find((w) => w.message.startsWith('the root key is online'))?.fields).toEqual({ file: join(dir.path, 'keys', 'root.pem') });
      const trust: TrustDoc = readTrustPayload(JSON.parse(await readFile(join(dir.path, 'trust', '1.json'), 'utf8')) as Envelope);
      expect(trust.roles.release.keyids).toEqual([hub.releaseKey.keyid]);
    } finally {
      await hub.close();
    }
  });
});
