/**
 * The drift evaluation period (EDGEFLEET_DRIFT_PERIOD_S): the length of a statistics bucket and
 * of the "hour" the scheduled drift job judges. An hour in production; as little as a minute for
 * demos and tests, so that an alert can open within a session. Everything that counts in hours
 * (persistence "2 of the last 3", a day of history) counts in periods instead.
 *
 * Only whole minutes that divide an hour: buckets then never straddle an hour (the statistics
 * views floor their ranges to the hour and stay right), and the job's cron schedule can name
 * the moment each period closes.
 */

export const HOUR_S = 3_600;
export const DEFAULT_DRIFT_PERIOD_S = HOUR_S;

/** 60, 120, 180, 240, 300, 360, 600, 720, 900, 1200, 1800, 3600. */
export const DRIFT_PERIODS_S: readonly number[] = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60].map((minutes) => minutes * 60);

export const isDriftPeriod = (seconds: number): boolean => DRIFT_PERIODS_S.includes(seconds);

export const DRIFT_PERIOD_RULE = `must be one of ${DRIFT_PERIODS_S.join(', ')} (whole minutes that divide an hour)`;

/** The ISO start of the period holding `iso`. */
export function periodStart(iso: string, periodS: number = DEFAULT_DRIFT_PERIOD_S): string {
  const ms = periodS * 1000;
  return new Date(Math.floor(Date.parse(iso) / ms) * ms).toISOString();
}

/** `ms` floored to a period boundary. */
export const floorToPeriod = (ms: number, periodS: number = DEFAULT_DRIFT_PERIOD_S): number => Math.floor(ms / (periodS * 1000)) * periodS * 1000;

/**
 * When the drift job runs unless EDGEFLEET_DRIFT_SCHEDULE says otherwise: hourly at minute 5
 * (windows of the closed hour have arrived by then), or for a shorter period 15 s after each one
 * closes (node-cron's seconds field). A window still open at that moment counts at the next run,
 * which still looks at its period: persistence spans the last 3.
 */
export function driftScheduleFor(periodS: number): string {
  if (periodS >= HOUR_S) return '5 * * * *';
  const minutes = periodS / 60;
  return minutes === 1 ? '15 * * * * *' : `15 */${minutes} * * * *`;
}

/** How reports and reasons name one period: "hour" or "60 s period". */
export const periodName = (periodS: number): string => (periodS === HOUR_S ? 'hour' : `${periodS} s period`);
export const periodsName = (periodS: number): string => (periodS === HOUR_S ? 'hours' : `${periodS} s periods`);
