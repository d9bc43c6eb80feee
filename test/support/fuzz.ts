/**
 * The one setup of the property-based (fuzz) suites (issue 16 "Fuzzing"): every property runs with
 * the same fixed seed and a bounded number of runs, so `npm test` is repeatable and a failure can
 * be replayed exactly. FUZZ_SEED=<n> replays (or explores) another seed; FUZZ_SCALE=<x> multiplies
 * every suite's runs for a longer local hunt. A failure prints the seed and the command to replay it.
 *
 * Also the shared generators of hostile input: arbitrary bytes and JSON, and single mutations of a
 * valid JSON message (field dropped, type changed, huge numbers, deep nesting, long strings, U+0000,
 * lone surrogates, an unknown key), each telling which field it touched so a property can check
 * that the refusal names it.
 */
import fc from 'fast-check';

function envNumber(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got ${JSON.stringify(text)}`);
  return value;
}

/** The seed of every fuzz suite: fixed, so CI runs the same cases every time. */
export const FUZZ_SEED: number = envNumber('FUZZ_SEED') ?? 20_261_216;
/** Runs of a pure (in-process) property; suites through a real hub take a fraction of it. */
export const DEFAULT_NUM_RUNS = 100;
const SCALE = envNumber('FUZZ_SCALE') ?? 1;

/** `base` runs, scaled by FUZZ_SCALE (at least one). */
export const runs = (base: number = DEFAULT_NUM_RUNS): number => Math.max(1, Math.round(base * SCALE));

export interface FuzzOptions {
  /** default DEFAULT_NUM_RUNS */
  numRuns?: number;
  /** async properties: one run taking longer than this fails as a hang (default 20 s: a loaded 2-core machine) */
  runTimeoutMs?: number;
}

/**
 * fc.assert with the shared seed and run count. A failure is rethrown with the seed and a replay
 * command in front of fast-check's report (counterexample, shrunk input, path).
 */
export async function fuzz<Ts>(property: fc.IRawProperty<Ts>, options: FuzzOptions = {}): Promise<void> {
  const parameters: fc.Parameters<Ts> = { seed: FUZZ_SEED, numRuns: runs(options.numRuns), plugins: [fc.timeout(options.runTimeoutMs ?? 20_000)] };
  try {
    await fc.assert(property, parameters);
  } catch (error) {
    // Counterexamples can be megabytes (a long string, deep nesting): each line is cut short.
    const report = (error instanceof Error ? error.message : String(error))
      .split('\n')
      .map((line) => (line.length > 2_000 ? `${line.slice(0, 2_000)}... (${line.length} characters)` : line))
      .join('\n');
    throw new Error(`fuzz property failed with FUZZ_SEED=${FUZZ_SEED}; replay: FUZZ_SEED=${FUZZ_SEED} npx vitest run <this file>\n${report}`, { cause: error });
  }
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonPath = Array<string | number>;

/** Arbitrary bytes: random, and random with a JSON-looking start, and invalid UTF-8 sequences. */
export const hostileBytes = (): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    fc.uint8Array({ maxLength: 512 }),
    fc.tuple(fc.constantFrom('{', '[', '{"', '"', '{"device":'), fc.uint8Array({ maxLength: 128 })).map(([head, tail]) => concat(new TextEncoder().encode(head), tail)),
    // overlong encodings, UTF-16 surrogates encoded as UTF-8 (CESU), truncated sequences, a BOM
    fc.constantFrom(Uint8Array.of(0xc0, 0x80), Uint8Array.of(0x22, 0xed, 0xa0, 0x80, 0x22), Uint8Array.of(0x7b, 0xe2, 0x82), Uint8Array.of(0xef, 0xbb, 0xbf, 0x7b, 0x7d), Uint8Array.of(0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00)),
    fc.constant(new Uint8Array(0)),
  );

/** Any JSON value, with unicode strings (lone surrogates and U+0000 included). */
export const anyJson = (): fc.Arbitrary<Json> => fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' }) as fc.Arbitrary<Json>;

/** A JSON text nested `depth` levels deep around `inner` (built as text: JSON.stringify recurses and would overflow). */
export const deeplyNested = (depth: number, inner = '0', open: '[' | '{"a":' = '['): string => `${open.repeat(depth)}${inner}${(open === '[' ? ']' : '}').repeat(depth)}`;

export type MutationKind = 'drop' | 'retype' | 'huge-number' | 'deep' | 'long-string' | 'nul' | 'lone-surrogate' | 'unknown-key';

export interface Mutated {
  kind: MutationKind;
  /** the field the mutation touched (for `unknown-key`, the added key) */
  path: JsonPath;
  /** the mutated message as JSON text */
  text: string;
}

/** Every path in `value` (the root is []). */
function pathsOf(value: Json, at: JsonPath = []): JsonPath[] {
  const here: JsonPath[] = [at];
  if (Array.isArray(value)) value.forEach((item, i) => here.push(...pathsOf(item, [...at, i])));
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) here.push(...pathsOf(item, [...at, key]));
  return here;
}

function getAt(value: Json, path: JsonPath): Json {
  let node: Json = value;
  for (const key of path) node = (node as Record<string | number, Json>)[key] as Json;
  return node;
}

/** A deep copy of `value` with the node at `path` replaced by `replace(old)`, or removed when it returns undefined. */
function editAt(value: Json, path: JsonPath, replace: (old: Json) => Json | undefined): Json {
  const copy = structuredClone(value);
  if (path.length === 0) return replace(copy) ?? null;
  const parent = getAt(copy, path.slice(0, -1)) as Record<string | number, Json> | Json[];
  const key = path[path.length - 1] as string | number;
  const next = replace((parent as Record<string | number, Json>)[key] as Json);
  if (next !== undefined) (parent as Record<string | number, Json>)[key] = next;
  else if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete (parent as Record<string, Json>)[key as string];
  return copy;
}

/** Stands in for a value that is spliced in as raw text after JSON.stringify. */
const RAW = '\u0001raw\u0001';

const typeOf = (value: Json): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

const hugeNumbers = fc.constantFrom(1e308, -1e308, 2 ** 53, 2 ** 64, -(2 ** 63), Number.MAX_SAFE_INTEGER + 2, -1, 0.5, -0, 5e-324, 1e21);

const otherTypeThan = (old: Json): fc.Arbitrary<Json> => anyJson().filter((value) => typeOf(value) !== typeOf(old));

/**
 * One hostile change to `valid` at a random field. The mutated text may still be a valid message
 * (dropping an optional field, a long string where long ones are allowed): properties decide.
 */
export function mutationOf(valid: Json): fc.Arbitrary<Mutated> {
  const paths = pathsOf(valid);
  const fields = paths.filter((path) => path.length > 0);
  const objects = paths.filter((path) => {
    const node = getAt(valid, path);
    return node !== null && typeof node === 'object' && !Array.isArray(node);
  });
  const strings = paths.filter((path) => typeof getAt(valid, path) === 'string');
  const text = (value: Json, raw?: string): string => {
    const json = JSON.stringify(value);
    return raw === undefined ? json : json.replace(JSON.stringify(RAW), raw);
  };
  const at = (list: JsonPath[]): fc.Arbitrary<JsonPath> => fc.constantFrom(...(list.length > 0 ? list : [[]]));
  const options: Array<fc.Arbitrary<Mutated>> = [
    at(fields).map((path) => ({ kind: 'drop' as const, path, text: text(editAt(valid, path, () => undefined)) })),
    at(fields).chain((path) => otherTypeThan(getAt(valid, path)).map((value) => ({ kind: 'retype' as const, path, text: text(editAt(valid, path, () => value)) }))),
    fc.tuple(at(fields), hugeNumbers).map(([path, value]) => ({ kind: 'huge-number' as const, path, text: text(editAt(valid, path, () => value)) })),
    fc
      .tuple(at(fields), fc.integer({ min: 64, max: 20_000 }), fc.constantFrom<'[' | '{"a":'>('[', '{"a":'), fc.constantFrom('0', '"x"', '"\\u0000"', 'null'))
      .map(([path, depth, open, inner]) => ({ kind: 'deep' as const, path, text: text(editAt(valid, path, () => RAW), deeplyNested(depth, inner, open)) })),
    fc
      .tuple(at(fields), fc.integer({ min: 65, max: 70_000 }), fc.constantFrom('a', '0', 'é', '😀', '/', '\\', '"'))
      .map(([path, length, unit]) => ({ kind: 'long-string' as const, path, text: text(editAt(valid, path, () => unit.repeat(length))) })),
  ];
  if (strings.length > 0) {
    const inserted = (kind: 'nul' | 'lone-surrogate', chars: fc.Arbitrary<string>): fc.Arbitrary<Mutated> =>
      fc.tuple(at(strings), chars, fc.nat()).map(([path, char, position]) => ({
        kind,
        path,
        text: text(
          editAt(valid, path, (old) => {
            const s = String(old);
            const i = position % (s.length + 1);
            return s.slice(0, i) + char + s.slice(i);
          }),
        ),
      }));
    options.push(inserted('nul', fc.constant('\u0000')), inserted('lone-surrogate', fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', '\udc00\ud800')));
  }
  if (objects.length > 0) {
    options.push(
      fc.tuple(at(objects), fc.constantFrom('extra', '__proto__', 'constructor', 'toString', '', 'x'.repeat(300)), anyJson()).map(([path, key, value]) => ({
        kind: 'unknown-key' as const,
        path: [...path, key],
        text: text(editAt(valid, path, (old) => ({ ...(old as Record<string, Json>), [key]: value }))),
      })),
    );
  }
  return fc.oneof(...options);
}

/**
 * Whether an error message names the field a mutation touched or a field holding it (a strict
 * object names an unknown key's parent; a union names itself, not the member that failed). A
 * top-level field must be named itself (or `(root)`, for a key the root refuses). A position in an
 * array may be written as a name (a packed tuple's `ood.score.underflow` is position `ood.0.1`).
 */
export function namesField(message: string, path: JsonPath): boolean {
  if (path.length === 0) return message.includes('(root)');
  if (path.length === 1 && message.includes('(root)')) return true;
  const pattern = (segments: JsonPath): RegExp =>
    new RegExp(`(^|[\\s:;.])${segments.map((segment) => (typeof segment === 'number' ? `(${segment}|[A-Za-z]\\w*)` : escapeRegExp(segment))).join('\\.')}($|[\\s:;.])`);
  return path.some((_, i) => pattern(path.slice(0, i + 1)).test(message));
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export type ByteMutation = 'flip' | 'overwrite' | 'truncate' | 'insert' | 'delete' | 'duplicate';

/**
 * A file's bytes bent the ways a damaged or hostile file is: bits flipped, bytes overwritten with
 * extremes (0x00, 0x7f, 0x80, 0xff: varint and length fields), cut short, bytes inserted, removed,
 * or a slice repeated. `at` is where, so a failure can be read off the counterexample.
 */
export function mutatedBytes(valid: Uint8Array): fc.Arbitrary<{ kind: ByteMutation; at: number; bytes: Uint8Array }> {
  const size = Math.max(1, valid.length);
  const at = fc.nat({ max: size - 1 });
  return fc.oneof(
    fc.tuple(at, fc.integer({ min: 0, max: 7 })).map(([i, bit]) => {
      const bytes = Uint8Array.from(valid);
      bytes[i] = (bytes[i] ?? 0) ^ (1 << bit);
      return { kind: 'flip' as const, at: i, bytes };
    }),
    fc.tuple(at, fc.array(fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xff), { minLength: 1, maxLength: 8 })).map(([i, values]) => {
      const bytes = Uint8Array.from(valid);
      values.forEach((value, k) => {
        if (i + k < bytes.length) bytes[i + k] = value;
      });
      return { kind: 'overwrite' as const, at: i, bytes };
    }),
    at.map((i) => ({ kind: 'truncate' as const, at: i, bytes: valid.slice(0, i) })),
    fc.tuple(at, fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([i, extra]) => ({ kind: 'insert' as const, at: i, bytes: concat(concat(valid.slice(0, i), extra), valid.slice(i)) })),
    fc.tuple(at, fc.integer({ min: 1, max: 16 })).map(([i, n]) => ({ kind: 'delete' as const, at: i, bytes: concat(valid.slice(0, i), valid.slice(i + n)) })),
    fc.tuple(at, fc.integer({ min: 1, max: 64 }), fc.integer({ min: 2, max: 50 })).map(([i, n, times]) => {
      const slice = valid.slice(i, i + n);
      let repeated: Uint8Array = new Uint8Array(0);
      for (let k = 0; k < times; k++) repeated = concat(repeated, slice);
      return { kind: 'duplicate' as const, at: i, bytes: concat(concat(valid.slice(0, i), repeated), valid.slice(i)) };
    }),
  );
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
