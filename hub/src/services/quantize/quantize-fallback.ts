/**
 * Accuracy fallback for static int8: when the quantized file misses the quality gate, measure
 * which activations' quantization hurts the primary output most and retry with the most harmful
 * ones left float (1, 2, 4, ... up to a quarter of them: core/quantize/sensitivity.ts), stopping
 * at the first file that passes. Sensitivity is measured on the calibration inputs, so the gate
 * still judges on rows the choice never saw. Bounded in time: candidates not measured within
 * the budget are not ranked, and the notes say how many were.
 */
import type { Logger } from '../../adapters/logger';
import type { QuantizeResult } from '../../core/quantize/quantize-report';
import { fallbackSteps, normalisedError, rankBySensitivity, type Sensitivity } from '../../core/quantize/sensitivity';
import type { CalibratedStatic } from './quantize-apply';
import { numericOutputs, openSession, type Feeds } from './quantize-session';
import type { RunOutputs } from '../../core/quantize/output-agreement';

/** A candidate file with whether it passes, as the caller's gate says. */
export interface Judged<T> {
  result: QuantizeResult;
  pass: boolean;
  detail: T;
}

export interface FallbackInput<T> {
  quantize: CalibratedStatic;
  /** The file that missed the gate: its report names the activations that got QDQ. */
  first: QuantizeResult;
  sourceBytes: Uint8Array;
  /** Calibration inputs (a few batches are enough to rank). */
  calibration: readonly Feeds[];
  primary: string;
  judge: (result: QuantizeResult) => Promise<Judged<T>>;
  logger: Logger;
  /** Time for measuring sensitivities; default 120 s. */
  budgetMs?: number;
  clock?: () => number;
}

export interface FallbackOutcome<T> {
  /** The last file judged (the passing one when `pass`). */
  last: Judged<T> | undefined;
  keptFloat: string[];
  notes: string[];
}

/** Calibration feeds the ranking runs: a test split is one feed of many rows, samples are one row each. */
const RANKING_FEEDS = 64;

async function outputsOf(bytes: Uint8Array, feeds: readonly Feeds[]): Promise<RunOutputs[]> {
  const session = await openSession(bytes);
  try {
    const outputs: RunOutputs[] = [];
    for (const feed of feeds) outputs.push(numericOutputs(await session.run(feed)));
    return outputs;
  } finally {
    await session.release();
  }
}

async function measureSensitivities<T>(input: FallbackInput<T>, candidates: readonly string[]): Promise<Sensitivity[]> {
  const clock = input.clock ?? Date.now;
  const deadline = clock() + (input.budgetMs ?? 120_000);
  const feeds = input.calibration.slice(0, RANKING_FEEDS);
  const reference = await outputsOf(input.sourceBytes, feeds);
  const measured: Sensitivity[] = [];
  for (const tensor of candidates) {
    if (clock() > deadline) break;
    const outputs = await outputsOf(input.quantize([tensor]).model, feeds);
    measured.push({ tensor, error: normalisedError(reference, outputs, input.primary) });
    if (measured.length % 10 === 0) input.logger.info('quantize: measuring activation sensitivity', { measured: measured.length, of: candidates.length });
  }
  return measured;
}

export async function accuracyFallback<T>(input: FallbackInput<T>): Promise<FallbackOutcome<T>> {
  const candidates = [...new Set(input.first.report.activations.map((activation) => activation.tensor))];
  const measured = await measureSensitivities(input, candidates);
  const ranked = rankBySensitivity(measured);
  const notes = [`accuracy fallback: measured ${measured.length} of ${candidates.length} activation(s) on ${Math.min(input.calibration.length, RANKING_FEEDS)} calibration feed(s)`];
  let last: Judged<T> | undefined;
  let keptFloat: string[] = [];
  for (const size of fallbackSteps(ranked.length)) {
    keptFloat = ranked.slice(0, size).map((entry) => entry.tensor);
    last = await input.judge(input.quantize(keptFloat));
    input.logger.info('quantize: accuracy fallback step', { keptFloat: keptFloat.length, pass: last.pass });
    if (last.pass) {
      notes.push(`accuracy fallback: passed the gate with ${size} activation(s) kept float (${keptFloat.join(', ')})`);
      return { last, keptFloat, notes };
    }
  }
  notes.push(`accuracy fallback: no step up to ${keptFloat.length} activation(s) kept float passed the gate`);
  return { last, keptFloat, notes };
}
