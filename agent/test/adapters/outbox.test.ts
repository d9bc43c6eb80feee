/** Store and forward on a real directory: restarts, acknowledgements, merging and loss at the bound. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LATENCY_EDGES_MS, type StatsWindow } from '@edgefleet/protocol';
import { Outbox, type StatsSender } from '../../src/adapters/outbox';
import { silentLogger } from '../../src/logger';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);

const latency = (n: number) => ({ counts: LATENCY_EDGES_MS.slice(1).map((_, i) => (i === 0 ? n : 0)), underflow: 0, overflow: 0, missing: 0, sum: 0, sumSq: 0, min: n > 0 ? 0 : null, max: n > 0 ? 0 : null });
const win = (id: number, sha256 = A, n = id): StatsWindow => ({
  msgId: `window-${String(id).padStart(4, '0')}`,
  device: 'dev-1',
  model: 'm',
  version: sha256 === A ? '1' : sha256 === B ? '2' : '3',
  sha256,
  windowStart: new Date(Date.UTC(2026, 0, 1, 0, id)).toISOString(),
  windowEnd: new Date(Date.UTC(2026, 0, 1, 0, id + 1)).toISOString(),
  n,
  errors: {},
  latencyMs: latency(n),
  features: [],
  outputs: [],
  ood: null,
});

/** A link whose PUBACKs the test hands out one by one (or all at once with `auto`). */
function fakeLink(auto = false) {
  const sent: string[] = [];
  const pending: Array<{ msgId: string; ack: () => void; fail: (e: Error) => void }> = [];
  const waiters: Array<() => void> = [];
  const link: StatsSender & { up: boolean } = {
    up: true,
    connected: () => link.up,
    publish: (window) =>
      new Promise<void>((resolve, reject) => {
        sent.push(window.msgId);
        if (auto) resolve();
        else pending.push({ msgId: window.msgId, ack: resolve, fail: reject });
        waiters.splice(0).forEach((w) => w());
      }),
  };
  /** resolves once `count` publishes were attempted */
  const published = (count: number) => new Promise<void>((resolve) => (sent.length >= count ? resolve() : waiters.push(() => void published(count).then(resolve))));
  return { link, sent, pending, published };
}

describe('Outbox', () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'outbox-')), 'outbox');
  });
  afterEach(async () => rm(join(dir, '..'), { recursive: true, force: true }));

  const open = (maxWindows = 500) => Outbox.open({ dir, maxWindows, logger: silentLogger });

  it('keeps windows on disk across a restart and drains them in order', async () => {
    const first = await open();
    for (const id of [1, 2, 3]) await first.add(win(id));
    expect(await readdir(dir)).toHaveLength(3);

    const second = await open();
    expect(second.queued().map((w) => w.msgId)).toEqual(['window-0001', 'window-0002', 'window-0003']);
    const { link, sent } = fakeLink(true);
    second.setSender(link);
    await second.drain();
    expect(sent).toEqual(['window-0001', 'window-0002', 'window-0003']);
    expect(await readdir(dir)).toEqual([]);
    await second.add(win(4));
    await second.idle();
    expect(sent.at(-1)).toBe('window-0004');
  });

  it('deletes a window only after its PUBACK; an unacknowledged one survives a crash', async () => {
    const outbox = await open();
    const { link, pending, published } = fakeLink();
    outbox.setSender(link);
    await outbox.add(win(1));
    await outbox.add(win(2));
    await published(1);
    expect(pending.map((p) => p.msgId)).toEqual(['window-0001']);
    // A crash now: a fresh instance still finds both.
    expect((await open()).queued().map((w) => w.msgId)).toEqual(['window-0001', 'window-0002']);

    pending[0]?.ack();
    await published(2);
    expect((await open()).queued().map((w) => w.msgId)).toEqual(['window-0002']);
    // The link drops before the second PUBACK: it stays queued for the next connection.
    link.up = false;
    pending[1]?.fail(new Error('connection lost'));
    await outbox.drain();
    expect(outbox.queued().map((w) => w.msgId)).toEqual(['window-0002']);
    link.up = true;
    await outbox.add(win(3));
    await published(3);
    expect(pending.at(-1)?.msgId).toBe('window-0002');
  });

  it('past the bound merges the two oldest windows of one version', async () => {
    const outbox = await open(3);
    await outbox.add(win(1, A));
    await outbox.add(win(2, B));
    await outbox.add(win(3, A));
    await outbox.add(win(4, B));
    const queued = outbox.queued();
    expect(queued.map((w) => [w.msgId, w.n, w.merged])).toEqual([
      ['window-0001', 4, 1],
      ['window-0002', 2, undefined],
      ['window-0004', 4, undefined],
    ]);
    expect(queued[0]).toMatchObject({ windowStart: win(1).windowStart, windowEnd: win(3).windowEnd, latencyMs: { counts: latency(4).counts } });
    // Both survive a restart exactly as they are (the superseded file is gone).
    expect((await open(3)).queued()).toEqual(queued);
    expect(await readdir(dir)).toHaveLength(3);
  });

  it('never merges windows whose shadow sections count different candidates', async () => {
    const shadow = (version: string, n: number): StatsWindow['shadow'] => ({ model: 'm', version, sha256: version.repeat(64).slice(0, 64), n, agree: n, errors: {}, latencyMs: latency(n), dropped: 0 });
    const outbox = await open(3);
    await outbox.add({ ...win(1, A), shadow: shadow('d', 2) });
    await outbox.add({ ...win(2, A), shadow: shadow('e', 3) });
    await outbox.add(win(3, B));
    // past the bound: windows 1 (shadow d) and 2 (shadow e) share a version but not a candidate,
    // so 2 and 4 (both e) are the pair that merges
    await outbox.add({ ...win(4, A), shadow: shadow('e', 5) });
    expect(outbox.queued().map((w) => [w.msgId, w.n, w.shadow?.version, w.shadow?.n])).toEqual([
      ['window-0001', 1, 'd', 2],
      ['window-0002', 6, 'e', 8],
      ['window-0003', 3, undefined, undefined],
    ]);
  });

  it('drops the oldest when no two windows share a version, and counts it as lost', async () => {
    const outbox = await open(2);
    await outbox.add(win(1, A));
    await outbox.add(win(2, B));
    await outbox.add(win(3, C));
    expect(outbox.queued().map((w) => [w.msgId, w.lost])).toEqual([
      ['window-0002', undefined],
      ['window-0003', 1],
    ]);
    const reopened = await open(2);
    expect(reopened.queued().map((w) => w.lost)).toEqual([undefined, 1]);
    const { link, sent } = fakeLink(true);
    reopened.setSender(link);
    await reopened.drain();
    expect(sent).toEqual(['window-0002', 'window-0003']);
  });

  it('finishes a merge cut short by a crash and drops unreadable files as lost', async () => {
    await rm(dir, { recursive: true, force: true });
    const outbox = await open();
    await outbox.add(win(1));
    await outbox.add(win(2));
    // As if the process died after writing the sum over 0 and before unlinking 1.
    const sum = { ...win(1, A, 3), merged: 1 };
    await writeFile(join(dir, '000000000000.json'), JSON.stringify({ window: sum, supersedes: [1] }));
    await writeFile(join(dir, '000000000002.json'), '{"window": trunc');
    await writeFile(join(dir, '000000000003.json.tmp-1-abcd'), 'partial');
    const reopened = await open();
    expect(reopened.queued()).toEqual([sum]);
    expect(await readdir(dir)).toEqual(['000000000000.json']);
    await reopened.add(win(5));
    expect(reopened.queued().at(-1)?.lost).toBe(1);
  });
});
