/**
 * THREATS row 19 (docs/threats.md): the pinned trust on disk damaged while the agent was down:
 * truncated, deleted after pinning, or edited to name an attacker's release key. At the restart
 * the agent says so at once (its first state to the hub carries E_TRUST_STATE), refuses every
 * update and rotation with E_TRUST_STATE, never pins again on first use, and keeps serving the
 * model it had. Version 1 answers before, during and after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildTrustDoc, fromBase64, generateSigningKey, signTrustDoc, toBase64, utf8Decode, utf8Encode, type Envelope, type TrustDoc } from '@edgefleet/protocol';
import { makeDeployment, sign } from '../../../test/fixtures/signing';
import { startThreatBench, type ThreatBench } from '../support/threat-bench';

describe('THREATS 19: corrupt trust state', { timeout: 120_000 }, () => {
  let bench: ThreatBench;
  let trustPath: string;
  let pinned: string;

  beforeAll(async () => {
    bench = await startThreatBench({ deviceId: 'threat-trust-file' });
    trustPath = join(bench.dataDir, 'trust.json');
    pinned = await readFile(trustPath, 'utf8');
  }, 120_000);
  afterAll(() => bench?.close());

  /** Damages trust.json with the agent stopped, restarts it, and checks what it says and serves. */
  const restartDamaged = async (damage: () => Promise<void>): Promise<void> => {
    await bench.expectServing();
    const configFetches = bench.hub.configFetches;
    const alert = bench.published('state', (s) => s.error?.code === 'E_TRUST_STATE');
    await bench.agent.close();
    await damage();
    await bench.restart();
    expect(await alert).toMatchObject({ phase: 'serving', seq: 1, active: { version: '1', sha256: bench.v1.sha256 } });
    expect(bench.agent.status()).toMatchObject({ error: { code: 'E_TRUST_STATE' } });
    expect(bench.hub.configFetches).toBe(configFetches); // never trusted on first use again
    await bench.expectServing();
  };
  /** Every update is refused while the damage lasts: a deployment doc and a trust rotation. */
  const updatesRefused = async (): Promise<void> => {
    await bench.expectRefused({ code: 'E_TRUST_STATE', event: 'doc-rejected', deliver: async () => bench.publishDoc(await bench.device.deploy(2, bench.v1.manifest)) });
    const { root, release } = bench.device.trust;
    const v2 = buildTrustDoc({ version: 2, expires: new Date(Date.now() + 86_400_000), rootKeys: [root], releaseKeys: [release] });
    await bench.expectRefused({ code: 'E_TRUST_STATE', event: 'doc-rejected', deliver: async () => bench.publishTrust(await signTrustDoc(v2, [root])) });
  };
  /** Puts the pinned file back: the next start trusts it again and takes updates. */
  const repair = async (): Promise<void> => {
    await bench.agent.close();
    await writeFile(trustPath, pinned);
    await bench.restart();
    expect(bench.agent.status().error).toBeNull();
  };

  it('THREATS 19: a truncated trust file refuses every update with E_TRUST_STATE; the model keeps serving', async () => {
    await restartDamaged(() => writeFile(trustPath, pinned.slice(0, Math.floor(pinned.length / 2))));
    await updatesRefused();
    expect((await readFile(trustPath, 'utf8')).length).toBe(Math.floor(pinned.length / 2)); // left for an operator to look at
    await repair();
  });

  it('THREATS 19: a trust file deleted after pinning is not a first use: E_TRUST_STATE, nothing pinned', async () => {
    await restartDamaged(() => rm(trustPath));
    await expect(readFile(trustPath)).rejects.toMatchObject({ code: 'ENOENT' });
    await updatesRefused();
    await expect(readFile(trustPath)).rejects.toMatchObject({ code: 'ENOENT' });
    await repair();
  });

  it('THREATS 19: a trust file edited to name an attacker’s release key does not verify: E_TRUST_STATE, the attacker’s doc refused', async () => {
    const attacker = (await generateSigningKey()).key;
    await restartDamaged(async () => {
      const { envelope } = JSON.parse(pinned) as { envelope: Envelope };
      const doc = JSON.parse(utf8Decode(fromBase64(envelope.payload)!)) as TrustDoc;
      const edited: TrustDoc = { ...doc, keys: { ...doc.keys, [attacker.keyid]: { alg: 'ed25519', public: toBase64(attacker.publicRaw) } }, roles: { ...doc.roles, release: { keyids: [attacker.keyid], threshold: 1 } } };
      await writeFile(trustPath, JSON.stringify({ envelope: { ...envelope, payload: toBase64(utf8Encode(JSON.stringify(edited))) } }, null, 2));
    });
    const forged = await sign(makeDeployment(await sign(bench.v1.manifest, [attacker]), { device: bench.deviceId, seq: 2 }), [attacker]);
    await bench.expectRefused({ code: 'E_TRUST_STATE', event: 'doc-rejected', deliver: () => bench.publishDoc(forged) });
    await updatesRefused();
    await repair();
    // Repaired: the genuine key signs again, the attacker's never did.
    const accepted = bench.published('state', (s) => s.seq === 2);
    await bench.publishDoc(await bench.device.deploy(2, bench.v1.manifest));
    expect(await accepted).toMatchObject({ error: null, active: { version: '1' } });
  });
});
