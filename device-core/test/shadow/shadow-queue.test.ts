/** The shadow queue: bounded, in order, one at a time, never blocking whoever offers. */
import { describe, expect, it } from 'vitest';
import { BoundedQueue } from '../../src/shadow/shadow-queue';

/** A queue whose jobs finish only when the test says so; deferred starts run when `start()` is called. */
function setup(capacity: number) {
  const started: number[] = [];
  const finish = new Map<number, () => void>();
  const errors: unknown[] = [];
  let pending: Array<() => void> = [];
  const queue = new BoundedQueue<number>({
    capacity,
    work: (job) =>
      new Promise<void>((resolve, reject) => {
        started.push(job);
        finish.set(job, () => (job < 0 ? reject(new Error(`job ${job} failed`)) : resolve()));
      }),
    onError: (error) => errors.push(error),
    defer: (start) => pending.push(start),
  });
  const start = () => {
    const run = pending;
    pending = [];
    for (const fn of run) fn();
  };
  /** lets the job finish and the queue take the next one */
  const complete = async (job: number) => {
    finish.get(job)?.();
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { queue, started, errors, start, complete };
}

describe('BoundedQueue', () => {
  it('nothing runs inside offer: work starts through defer, after the caller returned', () => {
    const { queue, started, start } = setup(4);
    expect(queue.offer(1)).toBe(true);
    expect(queue.offer(2)).toBe(true);
    expect(started).toEqual([]);
    start();
    expect(started).toEqual([1]);
  });

  it('refuses jobs past its capacity (the running one not counted) and takes them again once there is room', async () => {
    const { queue, started, start, complete } = setup(2);
    expect(queue.offer(1)).toBe(true);
    start();
    expect(started).toEqual([1]);
    expect([2, 3].map((job) => queue.offer(job))).toEqual([true, true]);
    expect(queue.size).toBe(2);
    // 1 runs, 2 and 3 wait: the queue is full, 4 and 5 are dropped at once
    expect(queue.offer(4)).toBe(false);
    expect(queue.offer(5)).toBe(false);
    await complete(1);
    expect(started).toEqual([1, 2]);
    expect(queue.offer(6)).toBe(true);
    await complete(2);
    await complete(3);
    await complete(6);
    expect(started).toEqual([1, 2, 3, 6]);
    expect(queue.size).toBe(0);
  });

  it('a failing job is reported and the queue moves on', async () => {
    const { queue, started, errors, start, complete } = setup(4);
    queue.offer(-1);
    queue.offer(2);
    start();
    await complete(-1);
    expect(errors).toHaveLength(1);
    expect(started).toEqual([-1, 2]);
  });

  it('settled waits for the jobs accepted so far, not for later ones', async () => {
    const { queue, start, complete } = setup(4);
    await queue.settled(); // nothing accepted: at once
    queue.offer(1);
    queue.offer(2);
    let done = false;
    const settled = queue.settled().then(() => (done = true));
    queue.offer(3);
    start();
    await complete(1);
    expect(done).toBe(false);
    await complete(2);
    await settled;
    expect(done).toBe(true);
  });

  it('close forgets waiting jobs, refuses new ones and waits for the running one', async () => {
    const { queue, started, start, complete } = setup(4);
    queue.offer(1);
    queue.offer(2);
    start();
    let closed = false;
    const closing = queue.close().then(() => (closed = true));
    expect(queue.offer(3)).toBe(false);
    await Promise.resolve();
    expect(closed).toBe(false);
    await complete(1);
    await closing;
    expect(started).toEqual([1]);
  });

  it('needs room for at least one job', () => {
    expect(() => setup(0)).toThrow(/at least 1/);
  });
});
