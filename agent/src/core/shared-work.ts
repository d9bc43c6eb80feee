/**
 * Work several callers may want at once (the agents of one process checking the same model in
 * the sandbox): started once, each caller stops waiting the moment its own signal aborts, and
 * the work itself is aborted only when every caller that joined it has given up. Sharing one
 * signal instead would let the first caller's newer doc abort the check for everyone else, and
 * would keep a superseded caller waiting for work it no longer wants.
 */
interface Running<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
}

export class SharedWork<T> {
  private readonly running = new Map<string, Running<T>>();

  join(key: string, signal: AbortSignal, start: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const entry = this.running.get(key) ?? this.begin(key, start);
    entry.waiters++;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        entry.waiters--;
        return true;
      };
      const onAbort = (): void => {
        if (!settle()) return;
        if (entry.waiters === 0) this.abandon(key, entry, signal.reason);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      entry.promise.then(
        (value) => settle() && resolve(value),
        (error: unknown) => settle() && reject(error),
      );
    });
  }

  private begin(key: string, start: (signal: AbortSignal) => Promise<T>): Running<T> {
    const controller = new AbortController();
    const entry: Running<T> = { promise: start(controller.signal), controller, waiters: 0 };
    this.running.set(key, entry);
    // Each waiter sees the outcome through its own handlers; this one only forgets the entry.
    entry.promise.then(
      () => this.forget(key, entry),
      () => this.forget(key, entry),
    );
    return entry;
  }

  private abandon(key: string, entry: Running<T>, reason: unknown): void {
    this.forget(key, entry);
    entry.controller.abort(reason);
  }

  private forget(key: string, entry: Running<T>): void {
    if (this.running.get(key) === entry) this.running.delete(key);
  }
}
