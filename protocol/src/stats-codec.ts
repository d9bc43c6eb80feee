/**
 * The wire encoding of a statistics window (DRIFT "Budget: well under 8 KB per device per window
 * for 50 features at 20 bins, before compression"). Still JSON, so a person can read it off the
 * broker, but every binned histogram travels as a positional tuple instead of a keyed object
 * (field names were over a third of the bytes) and its four floats are written with at most
 * FLOAT_DIGITS significant digits instead of up to 17. `v` marks the encoding; the canonical,
 * typed shape stays statsWindowSchema, and the decoder also accepts it as is (tests and older
 * tooling send it).
 *
 * | canonical | packed |
 * |---|---|
 * | BinnedStats | `[counts, underflow, overflow, missing, sum, sumSq, min, max]` |
 * | feature numeric / categorical | `["n", ...BinnedStats tuple]` / `["c", counts, unseen, missing]` |
 * | output numeric / class | `["n", ...BinnedStats tuple]` / `["c", counts, confidence tuple]` |
 * | ood | `[score tuple, aboveP95, aboveP99]` or null |
 * | shadow (optional) | keyed as in the canonical form, its `latencyMs` a BinnedStats tuple |
 *
 * Precision: counts are integers and travel exactly. sum, sumSq, min and max are rounded to 12
 * significant digits, a relative error of at most 5e-13 per window, which merging by addition
 * does not grow: the merged sum is off by at most 5e-13 times the sum of the windows' |sum|, so a
 * mean shift in reference sds moves by at most 5e-13 max|x| / sd, some 1e-9 of the smallest
 * threshold (0.2 sd) even for values a thousand sds out. The variance (sumSq - n mean^2) cancels
 * when the mean dwarfs the sd: its relative error is at most about 1e-12 (mean / sd)^2, still
 * 1e-4 for a feature whose mean is 10,000 of its sds (float32 inputs, the usual ones, carry 7
 * digits to begin with). min and max are observed values; 9 digits identify a float32, so a
 * float32 observation comes back as the same float32.
 */
import * as z from 'zod';
import { parseJsonBytes, parseWith } from './parse';
import { utf8Encode } from './bytes';
import { ProtocolError } from './errors';
import { fastUnpackStatsWindow } from './stats-fast-unpack';
import { binnedStatsSchema, categoricalStatsSchema, oodStatsSchema, shadowStatsFields, statsWindowSchema, type BinnedStats, type FeatureStats, type OutputStats, type ShadowStats, type StatsWindow } from './schemas/stats';

/** The encoding version written in `v`. */
export const STATS_ENCODING_VERSION = 1;
/** Significant digits of the floats of a packed histogram (see the precision argument above). */
export const FLOAT_DIGITS = 12;

/**
 * A fixed-length array read as named fields: its issues name the field (`features.3.sum`), not
 * the position, so a refused window says what was wrong like a keyed one would.
 */
function namedTuple<const T extends readonly [z.ZodType, ...z.ZodType[]]>(names: { readonly [K in keyof T]: string }, items: T) {
  const tuple = z.tuple(items);
  return z.unknown().transform((value, ctx): z.output<typeof tuple> => {
    const result = tuple.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      const [head, ...rest] = issue.path;
      const name = typeof head === 'number' ? names[head] : undefined;
      ctx.addIssue({ code: 'custom', message: issue.message, input: value, path: name === undefined ? issue.path : [name, ...rest] });
    }
    return z.NEVER;
  });
}

/**
 * One of several tuples told apart by their first element. A plain union would answer a bad
 * field of the right variant with "Invalid input"; this reports the variant's own issues.
 */
function taggedTuple<const V extends Record<string, z.ZodType>>(variants: V) {
  const tags = Object.keys(variants);
  return z.unknown().transform((value, ctx): z.output<V[keyof V]> => {
    const tag: unknown = Array.isArray(value) ? value[0] : undefined;
    const variant = typeof tag === 'string' && Object.hasOwn(variants, tag) ? variants[tag] : undefined;
    if (!variant) {
      ctx.addIssue({ code: 'custom', input: value, path: Array.isArray(value) ? ['kind'] : [], message: `expected an array tagged ${tags.map((t) => JSON.stringify(t)).join(' or ')}` });
      return z.NEVER;
    }
    const result = variant.safeParse(value);
    if (result.success) return result.data as z.output<V[keyof V]>;
    for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, input: value, path: issue.path });
    return z.NEVER;
  });
}

const b = binnedStatsSchema.shape;
const BINNED_NAMES = ['counts', 'underflow', 'overflow', 'missing', 'sum', 'sumSq', 'min', 'max'] as const;
const BINNED_ITEMS = [b.counts, b.underflow, b.overflow, b.missing, b.sum, b.sumSq, b.min, b.max] as const;
const packedBinnedSchema = namedTuple(BINNED_NAMES, BINNED_ITEMS);
const packedNumericSchema = namedTuple(['kind', ...BINNED_NAMES], [z.literal('n'), ...BINNED_ITEMS]);
const c = categoricalStatsSchema.shape;
const packedCategoricalSchema = namedTuple(['kind', 'counts', 'unseen', 'missing'], [z.literal('c'), c.counts, c.unseen, c.missing]);
const packedClassSchema = namedTuple(['kind', 'counts', 'confidence'], [z.literal('c'), z.array(c.counts.element).max(1024), packedBinnedSchema]);
const o = oodStatsSchema.shape;

// One section per window: kept keyed (readable off the broker), only its histogram is packed.
// `agree <= n` is checked when the unpacked window is parsed with statsWindowSchema.
const packedShadowSchema = z.strictObject({ ...shadowStatsFields, latencyMs: packedBinnedSchema });

/** The packed window (STATS_ENCODING_VERSION 1): the canonical one with its histograms as tuples. */
export const packedStatsWindowSchema = statsWindowSchema.omit({ latencyMs: true, features: true, outputs: true, ood: true, shadow: true }).extend({
  v: z.literal(STATS_ENCODING_VERSION),
  latencyMs: packedBinnedSchema,
  features: z.array(taggedTuple({ n: packedNumericSchema, c: packedCategoricalSchema })).max(1024),
  outputs: z.array(taggedTuple({ n: packedNumericSchema, c: packedClassSchema })).max(64),
  ood: namedTuple(['score', 'aboveP95', 'aboveP99'], [packedBinnedSchema, o.aboveP95, o.aboveP99]).nullable(),
  shadow: packedShadowSchema.optional(),
});
export type PackedStatsWindow = z.output<typeof packedStatsWindowSchema>;
type PackedBinned = z.output<typeof packedBinnedSchema>;

/** x with at most FLOAT_DIGITS significant digits (JSON then writes the shortest form of that). */
const round = (x: number): number => (Number.isFinite(x) && x !== 0 ? Number(x.toPrecision(FLOAT_DIGITS)) : x);
const roundOrNull = (x: number | null): number | null => (x === null ? null : round(x));

const packBinned = (s: BinnedStats): PackedBinned => [s.counts, s.underflow, s.overflow, s.missing, round(s.sum), round(s.sumSq), roundOrNull(s.min), roundOrNull(s.max)];
const unpackBinned = ([counts, underflow, overflow, missing, sum, sumSq, min, max]: PackedBinned): BinnedStats => ({ counts, underflow, overflow, missing, sum, sumSq, min, max });

type PackedShadow = z.output<typeof packedShadowSchema>;
const packShadow = (s: ShadowStats): PackedShadow => ({ ...s, latencyMs: packBinned(s.latencyMs) });
const unpackShadow = (s: PackedShadow): ShadowStats => ({ ...s, latencyMs: unpackBinned(s.latencyMs) });

export function packStatsWindow(window: StatsWindow): PackedStatsWindow {
  const { latencyMs, features, outputs, ood, shadow, ...rest } = window;
  return {
    v: STATS_ENCODING_VERSION,
    ...rest,
    ...(shadow ? { shadow: packShadow(shadow) } : {}),
    latencyMs: packBinned(latencyMs),
    features: features.map((f) => (f.kind === 'numeric' ? ['n', ...packBinned(f)] : ['c', f.counts, f.unseen, f.missing])),
    outputs: outputs.map((out) => (out.kind === 'numeric' ? ['n', ...packBinned(out)] : ['c', out.counts, packBinned(out.confidence)])),
    ood: ood ? [packBinned(ood.score), ood.aboveP95, ood.aboveP99] : null,
  };
}

export function unpackStatsWindow(packed: PackedStatsWindow): StatsWindow {
  const { v: _encoding, latencyMs, features, outputs, ood, shadow, ...rest } = packed;
  return {
    ...rest,
    ...(shadow ? { shadow: unpackShadow(shadow) } : {}),
    latencyMs: unpackBinned(latencyMs),
    features: features.map((f): FeatureStats => {
      if (f[0] === 'c') return { kind: 'categorical', counts: f[1], unseen: f[2], missing: f[3] };
      const [, ...binned] = f;
      return { kind: 'numeric', ...unpackBinned(binned) };
    }),
    outputs: outputs.map((out): OutputStats => {
      if (out[0] === 'c') return { kind: 'class', counts: out[1], confidence: unpackBinned(out[2]) };
      const [, ...binned] = out;
      return { kind: 'numeric', ...unpackBinned(binned) };
    }),
    ood: ood ? { score: unpackBinned(ood[0]), aboveP95: ood[1], aboveP99: ood[2] } : null,
  };
}

/** The bytes a device publishes on its stats topic. */
export function encodeStatsWindow(window: StatsWindow): Uint8Array {
  return utf8Encode(JSON.stringify(packStatsWindow(window)));
}

/**
 * Stats topic bytes -> a valid window, packed (`v` present) or canonical; throws ProtocolError
 * E_BAD_JSON or E_SCHEMA naming the failing fields, like decodeMessage. A packed window is read
 * by hand first (stats-fast-unpack.ts); the schemas run when that reader declines.
 */
export function decodeStatsWindow(bytes: Uint8Array, what: string): StatsWindow {
  const value = parseJsonBytes(bytes, what);
  if (typeof value !== 'object' || value === null || !('v' in value)) return parseWith(statsWindowSchema, value, what);
  const fast = fastUnpackStatsWindow(value);
  if (fast) return fast;
  if (value.v !== STATS_ENCODING_VERSION) {
    // Only a scalar is quoted: JSON.stringify of a hostile, deeply nested `v` overflowed the stack.
    const shown = typeof value.v !== 'object' || value.v === null ? String(JSON.stringify(value.v)).slice(0, 64) : Array.isArray(value.v) ? 'an array' : 'an object';
    throw new ProtocolError('E_SCHEMA', `${what}: v: unsupported statistics encoding ${shown} (this side reads ${STATS_ENCODING_VERSION})`);
  }
  return parseWith(statsWindowSchema, unpackStatsWindow(parseWith(packedStatsWindowSchema, value, what)), what);
}
