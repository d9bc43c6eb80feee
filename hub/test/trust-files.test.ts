/**
 * The trust chain when its files or the audit trail fail it: a trust/N.json another replica left
 * oversized or unreadable is refused (said once) while device config keeps answering with the
 * newest version read; a keys/ the hub cannot list is an error, not "no keys"; a publish whose
 * audit row cannot be written still hands the version to the broker and signs again what devices
 * need.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MAX_TRUST_DOC_BYTES, TRUST_TOPIC, desiredTopic, parseEnvelope, type Envelope } from '@edgefleet/protocol';
import type { Hub, Logger } from '../src/index';
import { readReleaseKeys } from '../src/adapters/keys';
import { TrustChain } from '../src/services/trust/trust-chain';
import { offlineKey, placeOfflineTrust, placeReleaseKey, signedTrust } from '../../test/support/trust-keys';
import { SILERO_PROBE, SILERO_V5, api, basicAuth, connectDevice, enrol, makeTempDir, nextMessage, testHub, type TempDir } from './support';

interface Logged {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown> | undefined;
}

function recordingLogger(): { logger: Logger; lines: Logged[] } {
  const lines: Logged[] = [];
  const at =
    (level: Logged['level']) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, message, fields });
    };
  return { logger: { info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

const REFUSED = 'a trust document in the data dir does not follow the chain; it is not used';

let dir: TempDir | undefined;
let hub: Hub | undefined;
afterEach(async () => {
  await hub?.close();
  await dir?.remove();
  hub = undefined;
  dir = undefined;
});

describe('trust files that cannot be read', () => {
  it('an oversized trust/2.json is refused once; device config answers with version 1', async () => {
    dir = await makeTempDir();
    const { logger, lines } = recordingLogger();
    hub = await testHub(dir.path, { logger });
    const secret = await enrol(hub, 'dev-files');
    const config = async (): Promise<{ status: number; trust?: Envelope }> => {
      const response = await fetch(`${hub?.httpUrl}/device/v1/config`, { headers: { authorization: basicAuth('dev-files', secret) } });
      return { status: response.status, ...((await response.json()) as { trust?: Envelope }) };
    };
    const before = await config();
    expect(before.status).toBe(200);

    await writeFile(join(dir.path, 'trust', '2.json'), ' '.repeat(MAX_TRUST_DOC_BYTES + 1));
    expect((await api(hub, 'GET', '/api/v1/trust')).status).toBe(200);
    const after = await config();
    expect(after).toEqual(before);
    expect((await api(hub, 'GET', '/api/v1/trust/versions')).status).toBe(200);

    const refusals = lines.filter((line) => line.message === REFUSED);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]?.fields).toMatchObject({ file: join(dir.path, 'trust', '2.json'), error: expect.stringContaining(`is larger than ${MAX_TRUST_DOC_BYTES} bytes`) });
  });

  it('a trust/2.json that cannot be read (a directory) is refused once, and the chain stays at version 1', async () => {
    dir = await makeTempDir();
    const { logger, lines } = recordingLogger();
    await mkdir(join(dir.path, 'keys'), { mode: 0o700 });
    const chain = await TrustChain.open(dir.path, new Date(), logger);
    await mkdir(join(dir.path, 'trust', '2.json'));
    expect(await chain.refresh()).toBe(false);
    expect(await chain.refresh()).toBe(false);
    expect(chain.trust.version).toBe(1);
    const refusals = lines.filter((line) => line.message === REFUSED);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]?.fields).toMatchObject({ error: expect.stringContaining('EISDIR') });
  });

  it('readReleaseKeys: no keys/ is no keys; a keys/ that cannot be listed is an error naming it', async () => {
    dir = await makeTempDir();
    expect(await readReleaseKeys(dir.path)).toEqual([]);
    // A file where the directory should be: readdir fails with ENOTDIR (EACCES cannot be made as root).
    await writeFile(join(dir.path, 'keys'), 'not a directory');
    await expect(readReleaseKeys(dir.path)).rejects.toThrow(`cannot read the release keys in ${join(dir.path, 'keys')}: ENOTDIR`);
  });
});

// The audit row is refused with a SQLite trigger: the PostgreSQL pass leaves this file out (package.json).
describe('a trust publish whose audit row fails', () => {
  it('still hands the version to the broker and signs again under the new release key', { timeout: 60_000 }, async () => {
    dir = await makeTempDir();
    const roots = [await offlineKey()];
    const [releaseA, releaseB] = [await offlineKey(), await offlineKey()];
    const v1 = await signedTrust({ version: 1, roots, releases: [releaseA] }, roots);
    await placeOfflineTrust(dir.path, v1, [releaseA]);
    hub = await testHub(dir.path);
    const secret = await enrol(hub, 'dev-audit');
    expect((await api(hub, 'POST', `/api/v1/models/vad/versions?version=1&probe=${SILERO_PROBE}`, { bytes: new Uint8Array(await readFile(SILERO_V5)) })).status).toBe(201);
    expect((await api(hub, 'PUT', '/api/v1/devices/dev-audit/assignment', { json: { model: 'vad', version: '1' } })).status).toBe(200);

    const sqlite = new Database(join(dir.path, 'edgefleet.db'));
    try {
      sqlite.exec("CREATE TRIGGER refuse_trust_audit BEFORE INSERT ON audit WHEN NEW.action = 'trust.published' BEGIN SELECT RAISE(ABORT, 'audit refused by the test'); END");
      await placeReleaseKey(dir.path, releaseB);
      const v2 = await signedTrust({ version: 2, roots, releases: [releaseB] }, roots);
      expect((await api(hub, 'POST', '/api/v1/trust', { json: v2 })).status).toBe(500);

      const client = await connectDevice(hub, 'dev-audit', secret);
      try {
        const trustMessage = nextMessage(client, TRUST_TOPIC);
        const desired = nextMessage(client, desiredTopic('dev-audit'));
        await client.subscribeAsync([TRUST_TOPIC, desiredTopic('dev-audit')], { qos: 1 });
        expect(JSON.parse((await trustMessage).toString())).toEqual(v2);
        expect(parseEnvelope(new Uint8Array(await desired), 'deployment').signatures.map((s) => s.keyid)).toEqual([releaseB.key.keyid]);
      } finally {
        await client.endAsync();
      }

      // The retry finds the version stored and nothing left to do.
      sqlite.exec('DROP TRIGGER refuse_trust_audit');
      const again = await api<{ created: boolean; resigned: { manifests: number; deploymentDocs: number } }>(hub, 'POST', '/api/v1/trust', { json: v2 });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ created: false, resigned: { manifests: 0, deploymentDocs: 0 } });
    } finally {
      sqlite.close();
    }
  });
});
