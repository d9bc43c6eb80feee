/**
 * THREATS rows 6-9 (docs/threats.md): validly signed docs that are stale, replayed, downgrading or
 * fast-forwarding. Each is refused with the row's code and published to the hub while the serving
 * version answers before, during and after; the stored seq never moves for a refused doc.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SILERO_V6, sileroRelease, type SileroRelease } from '../support/silero';
import { startThreatBench, type ThreatBench } from '../support/threat-bench';

const DAY_MS = 86_400_000;

describe('THREATS 6: freeze', { timeout: 120_000 }, () => {
  let bench: ThreatBench;
  /** the agent's clock runs this far ahead of the real one */
  let ahead = 0;
  const now = () => new Date(Date.now() + ahead);

  beforeAll(async () => {
    bench = await startThreatBench({ deviceId: 'threat-freeze', agent: { now }, tuning: { staleCheckMs: 20 } });
  }, 120_000);
  afterAll(() => bench?.close());

  it('THREATS 6: an expired deployment doc is E_EXPIRED', async () => {
    const expired = await bench.device.deploy(2, bench.v1.manifest, { expires: new Date(now().getTime() - 60_000).toISOString() });
    await bench.expectRefused({ code: 'E_EXPIRED', event: 'doc-rejected', deliver: () => bench.publishDoc(expired) });
  });

  it('THREATS 6: held past its expiry (fake clock), the agent reports stale and keeps serving; a newer valid doc is still accepted', async () => {
    await bench.expectServing();
    const stale = bench.published('events', (e) => e.kind === 'stale');
    await bench.during(async () => {
      ahead = 2 * DAY_MS; // the doc of seq 1 was good for one day
      expect(await stale).toMatchObject({ seq: 1, model: { version: '1', sha256: bench.v1.sha256 } });
    });
    await bench.expectServing();
    expect((await bench.trusted()).lastSeq).toBe(1);

    const accepted = bench.published('state', (s) => s.seq === 3);
    const fresh = await bench.device.deploy(3, bench.v1.manifest, { expires: new Date(now().getTime() + DAY_MS).toISOString() });
    await bench.during(async () => {
      await bench.publishDoc(fresh);
      expect(await accepted).toMatchObject({ phase: 'serving', error: null, active: { version: '1' } });
    });
    expect((await bench.trusted()).lastSeq).toBe(3);
    await bench.expectServing();
  });
});

describe('THREATS 7-9: replay, downgrade, fast-forward', { timeout: 120_000 }, () => {
  let bench: ThreatBench;
  let v2: SileroRelease;

  beforeAll(async () => {
    bench = await startThreatBench({ deviceId: 'threat-fresh' });
    v2 = await sileroRelease({ baseUrl: bench.hub.httpUrl, version: '2', releaseCounter: 2 }, SILERO_V6);
    bench.hub.artifacts.set(v2.sha256, v2.bytes);
  }, 120_000);
  afterAll(() => bench?.close());

  it.each([
    ['2^53-1', Number.MAX_SAFE_INTEGER],
    ['2^53', Number.MAX_SAFE_INTEGER + 1],
    ['negative', -1],
    ['fractional', 1.5],
  ])('THREATS 9: seq %s is a schema error (E_SCHEMA)', async (_name, seq) => {
    await bench.expectRefused({ code: 'E_SCHEMA', event: 'doc-rejected', deliver: async () => bench.publishDoc(await bench.device.deploy(seq, bench.v1.manifest)) });
  });

  it('THREATS 9: after the fast-forward attempts the next seq is still accepted', async () => {
    const accepted = bench.published('state', (s) => s.seq === 2);
    await bench.during(async () => {
      await bench.publishDoc(await bench.device.deploy(2, bench.v1.manifest));
      expect(await accepted).toMatchObject({ phase: 'serving', error: null });
    });
  });

  it('THREATS 7: an older seq re-sent after a newer one is E_ROLLBACK; the same seq with other content is ignored', async () => {
    await bench.expectRefused({
      code: 'E_ROLLBACK',
      event: 'doc-rejected',
      deliver: async () => {
        // Seq 2 again but naming version 2: ignored (handled before the replay, as messages are in order).
        await bench.publishDoc(await bench.device.deploy(2, v2.manifest));
        await bench.publishDoc(await bench.device.deploy(1, bench.v1.manifest));
      },
    });
    expect(bench.hub.downloads.get(v2.sha256)).toBeUndefined();
    expect(bench.hub.published.some((m) => (m.payload as { kind?: string }).kind === 'install-started' && (m.payload as { seq?: number }).seq === 2)).toBe(false);
  });

  it('THREATS 7: the replay is E_ROLLBACK after an agent restart too (the seq is stored)', async () => {
    await bench.restart();
    await bench.expectRefused({ code: 'E_ROLLBACK', event: 'doc-rejected', deliver: async () => bench.publishDoc(await bench.device.deploy(1, bench.v1.manifest)) });
    expect((await bench.trusted()).lastSeq).toBe(2);
  });

  it('THREATS 8: a lower releaseCounter without allowDowngrade is E_DOWNGRADE_NOT_AUTHORIZED; with it, an instant rollback', async () => {
    await bench.install(await bench.device.deploy(3, v2.manifest), '2');
    const served = await bench.answerOf(v2);
    const v1Downloads = bench.hub.downloads.get(bench.v1.sha256);
    await bench.expectRefused({ code: 'E_DOWNGRADE_NOT_AUTHORIZED', event: 'doc-rejected', deliver: async () => bench.publishDoc(await bench.device.deploy(4, bench.v1.manifest)) }, served);

    const rollback = bench.published('events', (e) => e.kind === 'rollback');
    const state = bench.published('state', (s) => s.phase === 'serving' && s.active?.version === '1');
    await bench.publishDoc(await bench.device.deploy(4, bench.v1.manifest, { allowDowngrade: true }));
    expect(await rollback).toMatchObject({ seq: 4, model: { version: '1' } });
    expect(await state).toMatchObject({ seq: 4, error: null, previous: { version: '2' } });
    await bench.expectServing();
    expect(bench.hub.downloads.get(bench.v1.sha256)).toBe(v1Downloads); // kept on disk as previous
  });
});
