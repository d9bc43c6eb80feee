/** The readable output's formatting: tables that fit the width, compact numbers and times. */
import { describe, expect, it } from 'vitest';
import { bytes, clean, clock, counts, duration, keyValues, num, percent, shortTime, table, time, truncate, wrap } from '../src/output';

describe('output formatting', () => {
  it('wraps prose at word boundaries, indenting the lines after the first; a word longer than a line is cut', () => {
    expect(wrap('warning: ring step 0 takes no device: ring "empty" has no devices yet', 30)).toEqual(['warning: ring step 0 takes no', '  device: ring "empty" has no', '  devices yet']);
    expect(wrap('short', 30)).toEqual(['short']);
    expect(wrap('', 30)).toEqual(['']);
    expect(wrap(`a ${'x'.repeat(40)}`, 20)).toEqual(['a', `  ${'x'.repeat(17)}…`]);
    expect(wrap('line\u001b[2Jbreak', 80)).toEqual(['line\\x1b[2Jbreak']);
  });

  it('tables align columns, right-align numbers and fit the width by narrowing the widest column', () => {
    expect(table(['ID', 'N'], [['a', '1'], ['bbb', '22']], { right: [1] })).toEqual(['ID    N', 'a     1', 'bbb  22']);
    const wide = table(['NAME', 'DESCRIPTION'], [['x', 'd'.repeat(200)]], { width: 40 });
    expect(wide.every((l) => l.length <= 40)).toBe(true);
    expect(wide[1]).toMatch(/^x {5}d+…$/);
    // Many columns: every one shrinks, none below three characters.
    const many = table(['A'.repeat(30), 'B'.repeat(30), 'C'.repeat(30)], [['a'.repeat(30), 'b'.repeat(30), 'c'.repeat(30)]], { width: 50 });
    expect(many.every((l) => l.length <= 50)).toBe(true);
  });

  it('key/value lines align and are cut to the width; control characters from the hub are shown escaped', () => {
    expect(keyValues([['id', 'x'], ['version', 'y']])).toEqual(['id       x', 'version  y']);
    expect(keyValues([['k', 'v'.repeat(100)]], 20)).toEqual([`k  ${'v'.repeat(16)}…`]);
    expect(clean('a\u001b[2Jb\nc')).toBe('a\\x1b[2Jb c');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });

  it('numbers, sizes, times, durations and counts', () => {
    expect([bytes(512), bytes(2_327_524), bytes(80_810)]).toEqual(['512 B', '2.2 MiB', '78.9 KiB']);
    expect([num(0.123456), num(3), num(null), percent(0.9751), percent(null)]).toEqual(['0.1235', '3', '-', '97.5%', '-']);
    expect([time('2026-11-25T10:05:03.123Z'), shortTime('2026-11-25T10:05:03.123Z'), clock('2026-11-25T10:05:03.123Z'), time(null)]).toEqual(['2026-11-25 10:05:03Z', '11-25 10:05', '10:05:03', '-']);
    expect([duration(250), duration(42_000), duration(65_000), duration(3_720_000)]).toEqual(['250 ms', '42s', '1m 05s', '1h 02m']);
    expect([counts({ serving: 3, pending: 0, failed: 1 }), counts({})]).toEqual(['serving 3, failed 1', 'none']);
  });
});
