/**
 * What each signal measures before any decision: a significance test's p-value, effect sizes
 * checked against thresholds, and other statistics reported for explanation. The verdict rule
 * (verdict.ts) needs both: an effect at or above its threshold AND significance after Holm.
 */
import type { Threshold } from './options';

export interface Effect {
  name: string;
  /** compared by absolute value */
  value: number;
  threshold: Threshold;
}

export interface Measurement {
  name: string;
  kind: 'numeric' | 'categorical' | 'class' | 'confidence' | 'ood';
  n: number;
  pValue: number;
  effects: Effect[];
  statistics: Record<string, number>;
  /** set when there is too little data for a verdict; says why */
  insufficient?: string;
}
