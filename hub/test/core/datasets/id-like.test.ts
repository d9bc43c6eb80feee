import { describe, expect, it } from 'vitest';
import { exploreTable } from '../../../src/core/datasets/explore-table';
import { idLikeFlag, looksLikeDate } from '../../../src/core/datasets/id-like';
import { createRandom } from '../../../src/core/training/random';
import type { Column } from '../../../src/core/training/types';

const N = 200;
const random = createRandom(11);
const numeric = (name: string, f: (i: number) => number): Column => ({ name, kind: 'numeric', values: Float64Array.from({ length: N }, (_, i) => f(i)) });
const categorical = (name: string, f: (i: number) => string | null): Column => ({ name, kind: 'categorical', values: Array.from({ length: N }, (_, i) => f(i)) });
const day = (i: number): string => new Date(Date.UTC(2012, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
const shuffledIds = random.shuffle(Array.from({ length: N }, (_, i) => 1000 + i));

describe('id-like columns', () => {
  it.each<[string, Column, string | null]>([
    ['text dates (even repeated)', categorical('date', (i) => day(Math.floor(i / 2))), 'date-text'],
    ['text timestamps', categorical('at', (i) => `${day(i)} 12:${String(i % 60).padStart(2, '0')}:00`), 'date-text'],
    ['day-first dates', categorical('d', (i) => `${(i % 28) + 1}/0${(i % 9) + 1}/2020`), 'date-text'],
    ['a unique text key', categorical('uuid', (i) => `k-${(i * 7919).toString(36)}`), 'unique-per-row'],
    ['shuffled integer ids', numeric('id', (i) => shuffledIds[i] as number), 'unique-per-row'],
    ['a row number', numeric('row', (i) => i + 1), 'monotone-counter'],
    ['a counter restarting per device', numeric('reading', (i) => (i % 50) + 1), 'monotone-counter'],
    ['a falling integer countdown', numeric('left', (i) => 5000 - 3 * i), 'monotone-counter'],
    ['a measurement', numeric('temperature', () => 20 + random.gaussian()), null],
    ['a sorted group id', numeric('mote', (i) => Math.floor(i / 50)), null],
    ['a binary flag', numeric('indoor', (i) => i % 2), null],
    ['a few categories', categorical('color', (i) => ['red', 'green', 'blue'][i % 3] ?? null), null],
    ['integer counts with repeats', numeric('visits', () => random.int(30)), null],
  ])('%s', (_, column, reason) => {
    expect(idLikeFlag(column)?.reason ?? null).toBe(reason);
  });

  it('needs enough rows to judge, and says why it flagged a column', () => {
    expect(idLikeFlag({ name: 'id', kind: 'numeric', values: Float64Array.of(1, 2, 3, 4, 5) })).toBeNull();
    expect(idLikeFlag(categorical('date', (i) => day(i)))).toEqual({ reason: 'date-text', detail: `${N} of ${N} values are dates written as text (e.g. "2012-01-01")` });
    expect(idLikeFlag(numeric('row', (i) => i))?.detail).toBe(`rises between ${N - 1} of ${N - 1} consecutive rows`);
    expect(looksLikeDate('2012-01-31T08:00:00Z') && looksLikeDate('01-31-12') && !looksLikeDate('12-345') && !looksLikeDate('1.5')).toBe(true);
  });

  it('exploration flags them per column (not the target)', () => {
    const table = { rows: N, columns: [numeric('row', (i) => i + 1), categorical('date', day), numeric('x', () => random.gaussian()), numeric('y', (i) => i)] };
    const summary = exploreTable(table, { target: 'y' });
    expect(summary.columns.map((c) => [c.name, c.idLike?.reason ?? null])).toEqual([
      ['row', 'monotone-counter'],
      ['date', 'date-text'],
      ['x', null],
      ['y', null],
    ]);
    expect(exploreTable(table).columns[3]?.idLike?.reason).toBe('monotone-counter');
  });
});
