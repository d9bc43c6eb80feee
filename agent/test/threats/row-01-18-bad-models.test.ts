/**
 * THREATS rows 1 and 18 (docs/threats.md): model bytes that must never serve. A tampered file is
 * caught by its hash while it streams and never cached; a correctly signed model that does not
 * load or fails its probe is never activated and never retried. Version 1 answers throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventsTopic, inlineProbe } from '@edgefleet/protocol';
import { SILERO_V6, sileroRelease, type SileroRelease } from '../support/silero';
import { startThreatBench, type ThreatBench } from '../support/threat-bench';

describe('THREATS 1 and 18: bad model bytes', { timeout: 120_000 }, () => {
  let bench: ThreatBench;
  let v2: SileroRelease;
  const modelFiles = () => readdir(join(bench.dataDir, 'models'));

  beforeAll(async () => {
    bench = await startThreatBench({ deviceId: 'threat-models' });
    v2 = await sileroRelease({ baseUrl: bench.hub.httpUrl, version: '2', releaseCounter: 2 }, SILERO_V6);
  }, 120_000);
  afterAll(() => bench?.close());

  it('THREATS 1: one flipped byte in the served artifact is E_HASH_MISMATCH, nothing cached; the right bytes install later', async () => {
    const tampered = Buffer.from(v2.bytes);
    const middle = Math.floor(tampered.length / 2);
    tampered[middle] = (tampered[middle] ?? 0) ^ 0x01;
    bench.hub.artifacts.set(v2.sha256, tampered);

    await bench.expectRefused({ code: 'E_HASH_MISMATCH', event: 'install-failed', seq: 2, deliver: async () => bench.publishDoc(await bench.device.deploy(2, v2.manifest)) });
    expect(await modelFiles()).toEqual([`${bench.v1.sha256}.onnx`]);
    expect(bench.hub.downloads.get(v2.sha256)).toBe(1); // a hash mismatch is not retried

    // Nothing of the tampered copy lingers: the genuine bytes, under a newer doc, install and serve.
    bench.hub.artifacts.set(v2.sha256, v2.bytes);
    await bench.install(await bench.device.deploy(3, v2.manifest), '2');
    await bench.expectServing(await bench.answerOf(v2));
  });

  describe('THREATS 18: a signed model that is bad', { timeout: 120_000 }, () => {
    let fresh: ThreatBench;
    beforeAll(async () => {
      fresh = await startThreatBench({ deviceId: 'threat-bad-model' });
    }, 120_000);
    afterAll(() => fresh?.close());

    it('THREATS 18: bytes that are not ONNX (hash and signature right) are E_LOAD_FAILED; version 1 keeps serving', async () => {
      const junk = randomBytes(4096);
      const sha256 = createHash('sha256').update(junk).digest('hex');
      fresh.hub.artifacts.set(sha256, junk);
      const release = { ...fresh.v1.manifest, version: '2', releaseCounter: 2, artifact: { sha256, size: junk.length, url: `${fresh.hub.httpUrl}/artifacts/${sha256}` } };
      await fresh.expectRefused({ code: 'E_LOAD_FAILED', event: 'install-failed', seq: 2, deliver: async () => fresh.publishDoc(await fresh.device.deploy(2, release)) });
      // Downloaded and verified, then refused: the file is not kept once nothing names it.
      expect(fresh.hub.downloads.get(sha256)).toBe(1);
    });

    it('THREATS 18: a model that fails its probe is E_PROBE_FAILED, recorded, and not retried after a restart', async () => {
      const probe = inlineProbe(fresh.v1.manifest.probe, 'probe');
      const output = probe.expected.output!;
      const wrong = { ...probe, expected: { ...probe.expected, output: { ...output, data: output.data.map(() => 0.5) } } };
      const bad = await sileroRelease({ baseUrl: fresh.hub.httpUrl, version: '3', releaseCounter: 3, probe: wrong }, SILERO_V6);
      fresh.hub.artifacts.set(bad.sha256, bad.bytes);
      await fresh.expectRefused({ code: 'E_PROBE_FAILED', event: 'install-failed', seq: 3, deliver: async () => fresh.publishDoc(await fresh.device.deploy(3, bad.manifest)) });
      const state = JSON.parse(await readFile(join(fresh.dataDir, 'state.json'), 'utf8')) as { failure: unknown };
      expect(state.failure).toMatchObject({ seq: 3, sha256: bad.sha256, error: { code: 'E_PROBE_FAILED' }, transient: false });

      // After a restart the failed doc stays failed: no new attempt, no second download; a newer
      // doc is still taken (here the serving release again, which changes nothing that serves).
      const downloads = fresh.hub.downloads.get(bad.sha256);
      const eventsBefore = fresh.hub.published.length;
      await fresh.restart();
      await fresh.expectServing();
      const accepted = fresh.published('state', (s) => s.seq === 4);
      await fresh.publishDoc(await fresh.device.deploy(4, fresh.v1.manifest));
      expect(await accepted).toMatchObject({ phase: 'serving', active: { version: '1' }, error: null });
      const retried = fresh.hub.published.slice(eventsBefore).filter((m) => m.topic === eventsTopic(fresh.deviceId) && (m.payload as { seq?: number }).seq === 3);
      expect(retried).toEqual([]);
      expect(fresh.hub.downloads.get(bad.sha256)).toBe(downloads);
      await fresh.expectServing();
    });
  });
});
