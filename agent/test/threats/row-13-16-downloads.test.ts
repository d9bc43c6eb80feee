/**
 * THREATS rows 13-16 (docs/threats.md): a hostile or broken artifact server and hostile names.
 * Only hash-named files are ever written; a download stops at the declared size (and before it
 * starts when the disk cannot hold it), a cut one resumes cleanly, a slow one is given up by its
 * throughput floor or deadline. Version 1 answers before, during and after each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { envelopeBytes, releaseRefOf, type ReleaseManifest } from '@edgefleet/protocol';
import { makeRelease } from '../../../test/fixtures/signing';
import { SILERO_V6, sileroRelease, type SileroRelease } from '../support/silero';
import { startThreatBench, type ThreatBench } from '../support/threat-bench';

/** One attempt per install and no slow retry during the test: every failure is reported once. */
const ONE_ATTEMPT = { maxInstallAttempts: 1, retryMaxMs: 600_000 };

describe('THREATS 13, 14 and 16: names, endless data, slow retrieval', { timeout: 120_000 }, () => {
  let bench: ThreatBench;
  let v2: SileroRelease;
  let seq = 2;
  const installFails = async (code: 'E_BAD_PATH' | 'E_TOO_LARGE' | 'E_DOWNLOAD_FAILED' | 'E_SLOW_RETRIEVAL', release: ReleaseManifest, partialKept = false) => {
    const doc = await bench.device.deploy(seq, release);
    const seen = await bench.expectRefused({ code, event: 'install-failed', seq, partialKept, deliver: () => bench.publishDoc(doc) });
    seq++;
    return seen;
  };

  beforeAll(async () => {
    bench = await startThreatBench({ deviceId: 'threat-downloads', tuning: ONE_ATTEMPT, agent: { maxArtifactBytes: Number.MAX_SAFE_INTEGER } });
    v2 = await sileroRelease({ baseUrl: bench.hub.httpUrl, version: '2', releaseCounter: 2 }, SILERO_V6);
  }, 120_000);
  afterAll(() => bench?.close());

  it.each([
    ['a relative path with ../', '../../../../tmp/threats-escaped.onnx'],
    ['an absolute path', '/tmp/threats-escaped.onnx'],
    ['a file: URL', 'file:///tmp/threats-escaped.onnx'],
    // control characters a URL parser would drop, turning the URL into another one
    ['http with a tab and a newline', 'http://127.0.0.1:1/artifacts/x\t/..\n/../tmp/threats-escaped.onnx'],
  ])('THREATS 13: an artifact URL that is %s is E_BAD_PATH; only hash-named files exist', async (_name, url) => {
    const before = await bench.files();
    await installFails('E_BAD_PATH', { ...v2.manifest, artifact: { ...v2.manifest.artifact, url } });
    expect(await bench.files()).toEqual(before);
    await expect(stat('/tmp/threats-escaped.onnx')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('THREATS 13: a NUL in an artifact URL refuses the signed manifest at decoding (E_BAD_JSON)', async () => {
    const before = await bench.files();
    const release = { ...v2.manifest, artifact: { ...v2.manifest.artifact, url: `${bench.hub.httpUrl}/artifacts/x\u0000/../../tmp/threats-escaped.onnx` } };
    await bench.expectRefused({ code: 'E_BAD_JSON', event: 'doc-rejected', deliver: async () => bench.publishDoc(await bench.device.deploy(seq, release)) });
    expect(await bench.files()).toEqual(before);
  });

  // A name is the artifact's SHA-256: anything else fails the signed manifest's schema (a NUL its
  // decoding) before a file could be named after it.
  it.each([
    ['with ../', 'E_SCHEMA', `../../${'a'.repeat(58)}`],
    ['that is absolute', 'E_SCHEMA', `/etc/${'a'.repeat(59)}`],
    ['holding a NUL', 'E_BAD_JSON', `${'a'.repeat(32)}\u0000${'a'.repeat(31)}`],
  ] as const)('THREATS 13: an artifact name %s never names a file: the manifest is refused (%s)', async (_name, code, sha256) => {
    const before = await bench.files();
    const release = { ...v2.manifest, artifact: { ...v2.manifest.artifact, sha256 } };
    await bench.expectRefused({ code, event: 'doc-rejected', deliver: async () => bench.publishDoc(await bench.device.deploy(seq, release)) });
    expect(await bench.files()).toEqual(before);
  });

  it('THREATS 14: a server announcing more bytes than the manifest is E_TOO_LARGE before a byte is stored', async () => {
    bench.hub.artifacts.set(v2.sha256, Buffer.concat([v2.bytes, Buffer.from('x')]));
    await installFails('E_TOO_LARGE', v2.manifest);
    bench.hub.artifacts.delete(v2.sha256);
  });

  it('THREATS 14: an endless stream is cut at size + 1 byte: E_TOO_LARGE, no partial kept', async () => {
    let sent = 0;
    const closed = new Promise<void>((resolve) => {
      bench.hub.artifactHandlers.set(v2.sha256, (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(200); // chunked, no length: only counting the bytes can catch it
        const chunk = randomBytes(64 * 1024);
        const pump = () => {
          while (!res.destroyed && res.write(chunk)) sent += chunk.length;
        };
        res.on('drain', pump);
        res.on('close', () => resolve());
        pump();
      });
    });
    await installFails('E_TOO_LARGE', v2.manifest);
    await closed; // the agent hung up
    expect(sent).toBeLessThan(v2.bytes.length * 4);
    bench.hub.artifactHandlers.delete(v2.sha256);
  });

  it('THREATS 14: a release manifest served past the size its reference states is E_TOO_LARGE', async () => {
    const envelope = await bench.device.signed({ ...v2.manifest, version: '7' });
    const ref = await releaseRefOf(envelope);
    bench.hub.releases.set(ref.sha256, Buffer.concat([envelopeBytes(envelope), Buffer.alloc(1024 * 1024, 0x20)]));
    await bench.expectRefused({ code: 'E_TOO_LARGE', event: 'doc-rejected', deliver: async () => bench.publishDoc(await bench.device.deploy(seq, v2.manifest, { active: ref })) });
  });

  it('THREATS 14: an artifact larger than this device accepts is E_TOO_LARGE before downloading', async () => {
    await bench.restart({ maxArtifactBytes: v2.bytes.length - 1 });
    await installFails('E_TOO_LARGE', v2.manifest);
    expect(bench.hub.downloads.get(v2.sha256)).toBe(2); // the two attacks above, none since
    await bench.restart({ maxArtifactBytes: Number.MAX_SAFE_INTEGER });
  });

  it('THREATS 14: a disk too small is checked before the download: E_DOWNLOAD_FAILED, nothing fetched', async () => {
    const petabyte = 2 ** 50;
    const huge = { ...v2.manifest, version: '8', artifact: { ...v2.manifest.artifact, size: petabyte } };
    const { event } = await installFails('E_DOWNLOAD_FAILED', huge);
    expect(event.error?.message).toMatch(/not enough disk: \d+ bytes needed, \d+ free/);
    expect(bench.hub.downloads.get(v2.sha256)).toBe(2);
  });

  it('THREATS 16: a 1 byte/s drip is cut by the minimum throughput: E_SLOW_RETRIEVAL, the partial kept to resume', async () => {
    bench.hub.artifactHandlers.set(v2.sha256, drip(v2.bytes));
    await bench.restart({ tuning: { downloadMinBytesPerSec: 1024, downloadWindowMs: 500 } });
    await installFails('E_SLOW_RETRIEVAL', v2.manifest, true);
    const parts = await readdir(join(bench.dataDir, 'tmp'));
    expect(parts).toEqual([`${v2.sha256}.part`]);
    expect((await stat(join(bench.dataDir, 'tmp', parts[0]!))).size).toBeLessThan(10);
  });

  it('THREATS 16: a drip that never trips the throughput window still meets the overall deadline: E_SLOW_RETRIEVAL', async () => {
    const small = randomBytes(2048);
    const sha256 = createHash('sha256').update(small).digest('hex');
    bench.hub.artifactHandlers.set(sha256, drip(small));
    // deadline = 300 ms + 2048 B at 1024 B/s; the 60 s window never closes first
    await bench.restart({ tuning: { downloadBaseDeadlineMs: 300, downloadMinBytesPerSec: 1024, downloadWindowMs: 60_000 } });
    const started = Date.now();
    const release = makeRelease({ version: '9', releaseCounter: 9, artifact: { sha256, size: small.length, url: `${bench.hub.httpUrl}/artifacts/${sha256}` } });
    const { event } = await installFails('E_SLOW_RETRIEVAL', release, true);
    expect(event.error?.message).toMatch(/deadline/);
    expect(Date.now() - started).toBeLessThan(45_000); // well before the 60 s window could have closed
  });
});

/** One byte a second (the first at once), honouring no Range: the slowest a server can be and still be sending. */
function drip(bytes: Uint8Array) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-length': bytes.length });
    let i = 0;
    const send = () => {
      if (res.destroyed || i >= bytes.length) return clearInterval(timer);
      res.write(bytes.subarray(i, i + 1));
      i++;
    };
    const timer = setInterval(send, 1000);
    send();
    res.on('close', () => clearInterval(timer));
  };
}

describe('THREATS 15: truncated download', { timeout: 120_000 }, () => {
  let bench: ThreatBench;
  let v2: SileroRelease;
  beforeAll(async () => {
    bench = await startThreatBench({ deviceId: 'threat-truncated', tuning: { maxInstallAttempts: 1, retryMaxMs: 200 } });
    v2 = await sileroRelease({ baseUrl: bench.hub.httpUrl, version: '2', releaseCounter: 2 }, SILERO_V6);
  }, 120_000);
  afterAll(() => bench?.close());

  it('THREATS 15: a connection closed at 50% is E_LENGTH_MISMATCH, then the retry resumes from the partial and installs', async () => {
    const half = Math.floor(v2.bytes.length / 2);
    const ranges: Array<string | undefined> = [];
    let release!: () => void;
    const resume = new Promise<void>((resolve) => (release = resolve));
    bench.hub.artifactHandlers.set(v2.sha256, (req, res) => {
      ranges.push(req.headers.range);
      const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
      if (start === 0) {
        res.writeHead(200, { 'content-length': v2.bytes.length });
        return void res.write(v2.bytes.subarray(0, half), () => res.destroy());
      }
      // The retry waits until the partial has been looked at.
      void resume.then(() => {
        res.writeHead(206, { 'content-length': v2.bytes.length - start, 'content-range': `bytes ${start}-${v2.bytes.length - 1}/${v2.bytes.length}` });
        res.end(v2.bytes.subarray(start));
      });
    });

    const doc = await bench.device.deploy(2, v2.manifest);
    await bench.expectRefused({ code: 'E_LENGTH_MISMATCH', event: 'install-failed', seq: 2, partialKept: true, deliver: () => bench.publishDoc(doc) });
    const partial = (await stat(join(bench.dataDir, 'tmp', `${v2.sha256}.part`))).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThanOrEqual(half);

    const activated = bench.published('events', (e) => e.kind === 'activated' && e.seq === 2);
    const resumed = await bench.answerOf(v2);
    await bench.during(async () => {
      release();
      await activated;
    }, [bench.baseline, resumed]);
    await bench.expectServing(resumed);
    expect(ranges).toEqual([undefined, `bytes=${partial}-`]);
    expect(await readdir(join(bench.dataDir, 'tmp'))).toEqual([]);
  });
});
