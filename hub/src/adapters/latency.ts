/** Latency measurement shared by the quantize route, the benchmarks and tests. */

/** Median wall time in microseconds of `runs` calls of `call`, after `warmUp` calls. */
export async function medianMicros(call: () => Promise<unknown>, runs: number, warmUp = 20): Promise<number> {
  for (let i = 0; i < warmUp; i++) await call();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await call();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return (times[Math.floor(times.length / 2)] ?? 0) * 1000;
}
