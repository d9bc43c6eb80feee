import { describe, expect, it } from 'vitest';
import { encodeStatsWindow, fastUnpackStatsWindow, packedStatsWindowSchema, statsWindowSchema, unpackStatsWindow, utf8Decode, type StatsWindow } from '@edgefleet/protocol';
import { richWindow, seeded } from './fixtures';

const window = richWindow;

const packedOf = (w: StatsWindow): unknown => JSON.parse(utf8Decode(encodeStatsWindow(w)));

/** What the schemas alone make of a parsed packed window: the window, or null when they refuse it. */
function bySchemas(value: unknown): StatsWindow | null {
  const packed = packedStatsWindowSchema.safeParse(value);
  if (!packed.success) return null;
  const canonical = statsWindowSchema.safeParse(unpackStatsWindow(packed.data));
  return canonical.success ? canonical.data : null;
}

const REPLACEMENTS: readonly unknown[] = [-1, -0, 0, 1, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER, Infinity, -Infinity, NaN, 1e300, null, true, '', 'n', 'c', 'x'.repeat(65), 'dev 1', 'A'.repeat(64), '2026-11-25T10:00:00Z', '2026-13-25T10:00:00Z', '2026-02-30T10:00:00Z', '2024-02-29T00:00:00+05:30', '2026-11-25 10:00:00Z', [], [0], {}, { a: 1 }, Array.from({ length: 257 }, () => 1), Array.from({ length: 1025 }, () => 1)];

/** Every place in a JSON value: a parent and a key. */
function places(value: unknown, into: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = []): typeof into {
  if (Array.isArray(value)) value.forEach((item, i) => (into.push({ parent: value, key: i }), places(item, into)));
  else if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) into.push({ parent: value as Record<string, unknown>, key }), places(item, into);
  return into;
}

function mutate(value: unknown, random: () => number): unknown {
  const copy: unknown = structuredClone(value);
  const all = places(copy);
  const edits = 1 + Math.floor(random() * 3);
  for (let e = 0; e < edits; e++) {
    const place = all[Math.floor(random() * all.length)];
    if (!place) continue;
    const { parent, key } = place;
    const pick = random();
    if (pick < 0.7) (parent as Record<string | number, unknown>)[key] = structuredClone(REPLACEMENTS[Math.floor(random() * REPLACEMENTS.length)]);
    else if (pick < 0.8 && Array.isArray(parent)) parent.push(structuredClone(parent[0]));
    else if (pick < 0.9 && Array.isArray(parent)) parent.pop();
    else if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else if (random() < 0.5) delete parent[key];
    else parent[`extra${String(key)}`] = 1;
  }
  return copy;
}

describe('fastUnpackStatsWindow', () => {
  it('reads a valid packed window exactly as the schemas do, with and without its optional parts', () => {
    const { shadow: _s, merged: _m, lost: _l, ...plain } = window;
    for (const w of [window, plain, { ...plain, ood: null, errors: {}, features: [], outputs: [] }]) {
      const fast = fastUnpackStatsWindow(packedOf(w));
      expect(fast).not.toBeNull();
      expect(fast).toEqual(bySchemas(packedOf(w)));
    }
  });

  it('never accepts what the schemas refuse, and agrees with them on what it accepts (5,000 mutated windows)', () => {
    const random = seeded(20261203);
    let accepted = 0;
    let refusedBySchemas = 0;
    for (let i = 0; i < 5_000; i++) {
      const value = mutate(packedOf(window), random);
      const expected = bySchemas(value);
      const fast = fastUnpackStatsWindow(value);
      if (expected === null) refusedBySchemas++;
      if (fast === null) continue;
      accepted++;
      expect(expected, JSON.stringify(value)).not.toBeNull();
      expect(fast).toEqual(expected);
    }
    // The mutations must exercise both sides, or the test proves nothing.
    expect(refusedBySchemas).toBeGreaterThan(2_500);
    expect(accepted).toBeGreaterThan(200);
  });

  it('declines what it does not read (canonical windows, another encoding), leaving them to the schemas', () => {
    expect(fastUnpackStatsWindow(window)).toBeNull();
    expect(fastUnpackStatsWindow({ ...(packedOf(window) as object), v: 2 })).toBeNull();
    expect(fastUnpackStatsWindow(null)).toBeNull();
    expect(fastUnpackStatsWindow([])).toBeNull();
  });
});
