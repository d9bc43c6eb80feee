/**
 * SharedWork: one sandbox check for the agents of a process that install the same model; a
 * newer doc for one agent ends its wait at once without aborting the check the others need.
 */
import { describe, expect, it } from 'vitest';
import { SharedWork } from '../../src/core/shared-work';

function deferred<T>() {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('SharedWork', () => {
  it('starts the work once for every caller of the same key', async () => {
    const work = new SharedWork<number>();
    const done = deferred<number>();
    let starts = 0;
    const start = () => {
      starts++;
      return done.promise;
    };
    const a = work.join('m', new AbortController().signal, start);
    const b = work.join('m', new AbortController().signal, start);
    done.resolve(7);
    expect([await a, await b, starts]).toEqual([7, 7, 1]);
    // Finished work is forgotten: the next caller starts it again.
    await work.join('m', new AbortController().signal, async () => (starts++, 8));
    expect(starts).toBe(2);
  });

  it('a caller whose signal aborts stops waiting at once; the work goes on for the others', async () => {
    const work = new SharedWork<string>();
    const done = deferred<string>();
    const seen: { signal?: AbortSignal } = {};
    const start = (signal: AbortSignal) => ((seen.signal = signal), done.promise);
    const superseded = new AbortController();
    const first = work.join('m', superseded.signal, start);
    const second = work.join('m', new AbortController().signal, start);
    superseded.abort(new Error('a newer doc'));
    await expect(first).rejects.toThrow('a newer doc');
    expect(seen.signal?.aborted).toBe(false);
    done.resolve('passed');
    expect(await second).toBe('passed');
  });

  it('the work is aborted when every caller gave up, and a later caller starts it afresh', async () => {
    const work = new SharedWork<string>();
    const signals: AbortSignal[] = [];
    const start = (signal: AbortSignal) => (signals.push(signal), new Promise<string>(() => undefined));
    const callers = [new AbortController(), new AbortController()];
    const waits = callers.map((c) => work.join('m', c.signal, start));
    for (const c of callers) c.abort(new Error('gone'));
    for (const wait of waits) await expect(wait).rejects.toThrow('gone');
    expect(signals.map((s) => s.aborted)).toEqual([true]);
    void work.join('m', new AbortController().signal, start);
    expect(signals.map((s) => s.aborted)).toEqual([true, false]);
  });
});
