/**
 * Alarms over time (DRIFT.md rule 4): persistence (k of the last m windows must agree) and a
 * Page-Hinkley detector on per-window drift scores. Both are pure folds: state in, state out.
 */

export interface PersistenceOptions {
  /** windows that must be flagged (default 2) */
  k: number;
  /** out of the last m windows (default 3) */
  m: number;
}

export const DEFAULT_PERSISTENCE: PersistenceOptions = { k: 2, m: 3 };

/** For each window: are at least k of the last m flags (this one included) true? */
export function persistent(flags: readonly boolean[], options: PersistenceOptions = DEFAULT_PERSISTENCE): boolean[] {
  let inWindow = 0;
  return flags.map((flag, i) => {
    if (flag) inWindow++;
    if (i >= options.m && flags[i - options.m]) inWindow--;
    return inWindow >= options.k;
  });
}

/**
 * Defaults are for scores normalized so that 1 is the drift threshold of the effect size (see
 * driftScore in evaluate-series.ts): a window at the drift threshold adds 0.9, so a shift
 * present from the start alarms on its second window; noise below 0.1 never accumulates.
 */
export interface PageHinkleyOptions {
  /** tolerated excess of the score per window, subtracted from each deviation (default 0.1) */
  delta: number;
  /** alarm when the cumulative deviation rises this far above its minimum (default 1) */
  lambda: number;
  /** windows before an alarm may fire (default 1) */
  burnIn: number;
  /**
   * expected score with no drift; when given it replaces the running mean (the usual choice for
   * drift scores whose null level is known, such as PSI near 0), so a shift present from the
   * first window is still caught (default 0; undefined means the running mean)
   */
  baseline?: number;
}

export const DEFAULT_PAGE_HINKLEY: PageHinkleyOptions = { delta: 0.1, lambda: 1, burnIn: 1, baseline: 0 };

export interface PageHinkleyState {
  count: number;
  mean: number;
  cumulative: number;
  minimum: number;
}

export const PAGE_HINKLEY_START: PageHinkleyState = { count: 0, mean: 0, cumulative: 0, minimum: 0 };

/** One step for an upward shift in the score; resets after an alarm. */
export function pageHinkleyStep(state: PageHinkleyState, score: number, options: PageHinkleyOptions = DEFAULT_PAGE_HINKLEY): { state: PageHinkleyState; alarm: boolean; statistic: number } {
  const count = state.count + 1;
  const mean = state.mean + (score - state.mean) / count;
  const centre = options.baseline ?? mean;
  const cumulative = state.cumulative + score - centre - options.delta;
  const minimum = Math.min(state.minimum, cumulative);
  const statistic = cumulative - minimum;
  const alarm = count >= options.burnIn && statistic > options.lambda;
  return { state: alarm ? PAGE_HINKLEY_START : { count, mean, cumulative, minimum }, alarm, statistic };
}

/** Page-Hinkley over a whole series: the alarm flag and statistic per window. */
export function pageHinkley(scores: readonly number[], options: PageHinkleyOptions = DEFAULT_PAGE_HINKLEY): { alarms: boolean[]; statistics: number[] } {
  let state = PAGE_HINKLEY_START;
  const alarms: boolean[] = [];
  const statistics: number[] = [];
  for (const score of scores) {
    const step = pageHinkleyStep(state, score, options);
    state = step.state;
    alarms.push(step.alarm);
    statistics.push(step.statistic);
  }
  return { alarms, statistics };
}
