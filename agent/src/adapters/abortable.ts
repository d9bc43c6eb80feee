/**
 * Node 20's fetch can leave a response body's read() pending for ever when its signal aborts
 * between two reads (nodejs/node#56917, undici#4089: seen in about 1 of 40 aborted downloads while
 * the reader was writing a chunk to disk). An agent whose download a newer doc aborted then sat in
 * `downloading` until restarted, deaf to every later doc. Every await on the network is raced
 * against the signal here, so an abort always ends it.
 */

/** A promise rejected with the signal's reason once it aborts (never resolved); unhandled rejections are handled. */
export function abortedBy(signal: AbortSignal): Promise<never> {
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => {});
  return aborted;
}

/** `work`, or the signal's reason as soon as it aborts, whichever comes first. */
export function untilAborted<T>(work: Promise<T>, aborted: Promise<never>): Promise<T> {
  return Promise.race([work, aborted]);
}

/** A body's chunks, each read raced against the signal; the stream is let go however the loop ends. */
export async function* chunksUntilAborted(body: ReadableStream<Uint8Array>, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const aborted = abortedBy(signal);
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await untilAborted(reader.read(), aborted);
      if (done) return;
      yield value;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
