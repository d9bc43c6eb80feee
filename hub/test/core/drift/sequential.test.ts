import { describe, expect, it } from 'vitest';
import { pageHinkley, persistent } from '../../../src/core/drift/sequential';

const flags = (s: string): boolean[] => [...s].map((c) => c === 'x');

describe('persistence (k of m)', () => {
  it.each([
    { k: 2, m: 3, input: 'x.x..x..xx', expected: '..x......x' },
    { k: 1, m: 1, input: 'x..x', expected: 'x..x' },
    { k: 3, m: 3, input: 'xx.xxx', expected: '.....x' },
    { k: 2, m: 4, input: 'x..x.', expected: '...x.' },
  ])('$k of $m over $input', ({ k, m, input, expected }) => {
    expect(persistent(flags(input), { k, m })).toEqual(flags(expected));
  });
});

describe('Page-Hinkley', () => {
  it.each([
    { name: 'noise below delta never alarms', scores: [0.05, 0.08, 0.02, 0.09, 0.05, 0.07], alarmAt: -1 },
    { name: 'a score at the drift threshold alarms on its second window', scores: [0.02, 0.03, 1, 1, 1], alarmAt: 3 },
    { name: 'a half-threshold shift alarms on its third window', scores: [0, 0, 0.5, 0.5, 0.5, 0.5], alarmAt: 4 },
    { name: 'one spike is forgiven', scores: [0, 0.9, 0, 0, 0, 0], alarmAt: -1 },
  ])('$name', ({ scores, alarmAt }) => {
    expect(pageHinkley(scores).alarms.indexOf(true)).toBe(alarmAt);
  });

  it('with a running mean (no baseline) it follows a change after burn-in', () => {
    const scores = [...Array<number>(10).fill(0.1), ...Array<number>(5).fill(0.6)];
    const { alarms, statistics } = pageHinkley(scores, { delta: 0.01, lambda: 0.5, burnIn: 5 });
    expect(alarms.slice(0, 10).some(Boolean)).toBe(false);
    expect(alarms.indexOf(true)).toBeGreaterThan(9);
    expect(statistics[10]).toBeGreaterThan(0);
  });
});
