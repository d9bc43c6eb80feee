/**
 * THREATS rows 11 and 12 (docs/threats.md): genuine signed pieces put together wrongly. A signature
 * moved onto another doc's payload, a release whose bytes or manifest are another's, a doc for
 * another device, a release this runtime cannot run: each refused with the row's code while
 * version 1 answers before, during and after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { envelopeBytes, releaseRefOf } from '@edgefleet/protocol';
import { makeRelease } from '../../../test/fixtures/signing';
import { SILERO_V6, sileroRelease, type SileroRelease } from '../support/silero';
import { startThreatBench, type ThreatBench } from '../support/threat-bench';

describe('THREATS 11 and 12: mix-and-match and wrong target', { timeout: 120_000 }, () => {
  let bench: ThreatBench;
  let v2: SileroRelease;
  /** the seq the next accepted doc takes (install failures accept their doc) */
  let seq = 2;

  beforeAll(async () => {
    bench = await startThreatBench({ deviceId: 'threat-binding' });
    v2 = await sileroRelease({ baseUrl: bench.hub.httpUrl, version: '2', releaseCounter: 2 }, SILERO_V6);
    bench.hub.artifacts.set(v2.sha256, v2.bytes);
  }, 120_000);
  afterAll(() => bench?.close());

  const refusedDoc = (code: 'E_SIG_INVALID' | 'E_HASH_MISMATCH' | 'E_NOT_FOR_DEVICE' | 'E_INCOMPATIBLE', deliver: () => Promise<unknown>) =>
    bench.expectRefused({ code, event: 'doc-rejected', deliver });

  it('THREATS 11: the signature of doc A on the payload of doc B is E_SIG_INVALID', async () => {
    const a = await bench.device.deploy(seq, bench.v1.manifest);
    const b = await bench.device.deploy(seq, v2.manifest);
    await refusedDoc('E_SIG_INVALID', () => bench.publishDoc({ payload: b.payload, signatures: a.signatures }));
  });

  it('THREATS 11: a doc naming release X by reference, answered with the manifest of release Y, is E_HASH_MISMATCH', async () => {
    // X is not a release the device holds (it would take its own copy); Y's envelope has the
    // same length as X's, so only the hash can tell them apart.
    const x = await bench.device.signed({ ...bench.v1.manifest, version: '8' });
    const y = await bench.device.signed({ ...bench.v1.manifest, version: '9' });
    const ref = await releaseRefOf(x);
    expect(envelopeBytes(y).length).toBe(ref.size);
    bench.hub.releases.set(ref.sha256, envelopeBytes(y));
    await refusedDoc('E_HASH_MISMATCH', async () => bench.publishDoc(await bench.device.deploy(seq, bench.v1.manifest, { active: ref })));
  });

  it('THREATS 11: a deployment naming release X served the artifact of release Y is E_HASH_MISMATCH, nothing cached', async () => {
    // Two artifacts of one size: X is what the signed manifest names, Y what its URL serves.
    const [xBytes, yBytes] = [randomBytes(4096), randomBytes(4096)];
    const [xSha, ySha] = [xBytes, yBytes].map((b) => createHash('sha256').update(b).digest('hex')) as [string, string];
    bench.hub.artifacts.set(ySha, yBytes);
    const x = makeRelease({ version: '3', releaseCounter: 3, artifact: { sha256: xSha, size: xBytes.length, url: `${bench.hub.httpUrl}/artifacts/${ySha}` } });
    await bench.expectRefused({ code: 'E_HASH_MISMATCH', event: 'install-failed', seq, deliver: async () => bench.publishDoc(await bench.device.deploy(seq, x)) });
    expect(await bench.files()).not.toContain(`models/${xSha}.onnx`);
    expect(await bench.files()).not.toContain(`models/${ySha}.onnx`);
    seq++;
  });

  it('THREATS 12: a doc for device B delivered to device A is E_NOT_FOR_DEVICE', async () => {
    await refusedDoc('E_NOT_FOR_DEVICE', async () => bench.publishDoc(await bench.device.deploy(seq, v2.manifest, { device: 'threat-binding-b' })));
  });

  it('THREATS 12: a release needing a newer opset is E_INCOMPATIBLE', async () => {
    const release = { ...v2.manifest, compat: { opset: 99 } };
    await refusedDoc('E_INCOMPATIBLE', async () => bench.publishDoc(await bench.device.deploy(seq, release)));
  });

  it('THREATS 12: a release needing a newer runtime is E_INCOMPATIBLE', async () => {
    const release = { ...v2.manifest, compat: { ...v2.manifest.compat, minRuntime: '99.0.0' } };
    await refusedDoc('E_INCOMPATIBLE', async () => bench.publishDoc(await bench.device.deploy(seq, release)));
    expect(bench.hub.downloads.get(v2.sha256)).toBeUndefined();
  });
});
