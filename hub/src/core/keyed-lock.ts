/**
 * Serialises async work per key, within one process: a device's enrolment, rotation and
 * decommissioning (broker account and row together), a model's registrations, a rollout's passes
 * (decision and the docs it sends). Across hub replicas the database's locks decide; this only
 * keeps one process from racing itself where a whole step, not just its transaction, must not overlap.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
