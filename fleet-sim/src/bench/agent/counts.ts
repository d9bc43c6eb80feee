/**
 * How much of each part of the agent bench runs, in quick and full mode. Its own file because
 * the hub set-up, the throughput loops, the section and the profiler all read it.
 */
export interface Counts {
  /** blocks of the throughput figure, and calls of each side per block per model (interleaved in runs of 10) */
  rounds: number;
  tabularCalls: number;
  sileroCalls: number;
  /** sequential requests per model for the latency figure */
  tabularRequests: number;
  sileroRequests: number;
  /** chunks x calls (per model) for each step of the breakdown */
  chunks: number;
  tabularChunk: number;
  sileroChunk: number;
  /** measured spawns of each process, after `warmSpawns` unmeasured ones of each */
  spawns: number;
  warmSpawns: number;
  idleMs: number;
  trainEpochs: number;
}

export const COUNTS: Record<'quick' | 'full', Counts> = {
  quick: { rounds: 15, tabularCalls: 200, sileroCalls: 30, tabularRequests: 500, sileroRequests: 300, chunks: 15, tabularChunk: 100, sileroChunk: 10, spawns: 1, warmSpawns: 0, idleMs: 500, trainEpochs: 10 },
  full: { rounds: 41, tabularCalls: 500, sileroCalls: 60, tabularRequests: 3000, sileroRequests: 2000, chunks: 41, tabularChunk: 200, sileroChunk: 20, spawns: 3, warmSpawns: 1, idleMs: 3000, trainEpochs: 40 },
};
