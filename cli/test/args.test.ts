/** Argument parsers: values, and usage errors that say what was expected. */
import { InvalidArgumentError } from 'commander';
import { DEVICE_ID_PATTERN as PROTOCOL_DEVICE_ID, MODEL_NAME_PATTERN as PROTOCOL_MODEL, SHA256_PATTERN as PROTOCOL_SHA256, VERSION_LABEL_PATTERN as PROTOCOL_VERSION } from '@edgefleet/protocol';
import { describe, expect, it } from 'vitest';
import { DEVICE_ID_PATTERN, durationArg, expiresArg, intArg, jsonArg, keyValueArg, kindsArg, listArg, MODEL_NAME_PATTERN, numberArg, SHA256_PATTERN, timeArg, VERSION_LABEL_PATTERN } from '../src/args';
import { isFullUuid, resolvePrefix, uuidRefArg } from '../src/refs';

describe('argument parsers', () => {
  it('checks ids with the same patterns as @edgefleet/protocol', () => {
    expect([DEVICE_ID_PATTERN.source, MODEL_NAME_PATTERN.source, VERSION_LABEL_PATTERN.source, SHA256_PATTERN.source]).toEqual([PROTOCOL_DEVICE_ID.source, PROTOCOL_MODEL.source, PROTOCOL_VERSION.source, PROTOCOL_SHA256.source]);
  });

  it('numbers within bounds', () => {
    expect(intArg(1, 500)('20')).toBe(20);
    expect(() => intArg(1, 500)('0')).toThrow(new InvalidArgumentError('expected an integer from 1 to 500, got "0".'));
    expect(() => intArg(1, 500)('2.5')).toThrow(InvalidArgumentError);
    expect(numberArg(0, 1)('0.25')).toBe(0.25);
    expect(() => numberArg(0, 1)('')).toThrow(InvalidArgumentError);
  });

  it('key=value tags, lists, column kinds, durations and times', () => {
    expect(keyValueArg('b=2', keyValueArg('a=x=y', undefined))).toEqual({ a: 'x=y', b: '2' });
    expect(() => keyValueArg('novalue', undefined)).toThrow(/expected key=value/);
    expect(listArg('a, b,c')).toEqual(['a', 'b', 'c']);
    expect(() => listArg('a,,b')).toThrow(/none empty/);
    expect(kindsArg('mote_id=categorical,t=numeric')).toEqual({ mote_id: 'categorical', t: 'numeric' });
    expect(() => kindsArg('x=text')).toThrow(/column=numeric\|categorical/);
    expect([durationArg('90s'), durationArg('30m'), durationArg('1d'), durationArg('60')]).toEqual([90, 1800, 86_400, 60]);
    expect(() => durationArg('soon')).toThrow(/duration/);
    const now = () => new Date('2026-11-25T12:00:00Z');
    expect(timeArg(now)('2h')).toBe('2026-11-25T10:00:00.000Z');
    expect(timeArg(now)('2026-11-24T00:00:00Z')).toBe('2026-11-24T00:00:00.000Z');
    expect(() => timeArg(now)('yesterday')).toThrow(/ISO time/);
  });

  it('a trust expiry: a duration with its unit or an ISO date, at least a day ahead', () => {
    const now = () => new Date('2026-11-25T12:00:00Z');
    expect(expiresArg(now)('365d').toISOString()).toBe('2027-11-25T12:00:00.000Z');
    expect(expiresArg(now)('24h').toISOString()).toBe('2026-11-26T12:00:00.000Z');
    expect(expiresArg(now)('2027-12-01').toISOString()).toBe('2027-12-01T00:00:00.000Z');
    // A bare number was seconds: 2027 meant as a year expired in 34 minutes, 0 at once.
    for (const bare of ['2027', '0', '31536000']) expect(() => expiresArg(now)(bare), bare).toThrow(/with its unit/);
    for (const soon of ['23h', '0d', '2026-11-26']) expect(() => expiresArg(now)(soon), soon).toThrow(new InvalidArgumentError(`a trust document must expire at least 1 day from now (365d is usual), got "${soon}".`));
  });

  it('JSON options: inline or @file; bad JSON is a usage error', () => {
    expect(jsonArg('{"epochs":5}')).toEqual({ kind: 'inline', value: { epochs: 5 } });
    expect(jsonArg('@params.json')).toEqual({ kind: 'file', path: 'params.json' });
    expect(() => jsonArg('{bad')).toThrow(/not valid JSON/);
  });

  it('ids by a unique prefix', () => {
    const ids = ['0b6f1c2e-0000-4000-8000-000000000001', '0b6f9999-0000-4000-8000-000000000002'];
    expect(resolvePrefix('0b6f1', ids, 'rollout')).toBe(ids[0]);
    expect(() => resolvePrefix('0b6f', ids, 'rollout')).toThrow(/names 2 rollouts/);
    expect(() => resolvePrefix('ffff', ids, 'rollout')).toThrow(/no rollout id starts with ffff/);
    expect(uuidRefArg('0B6F1')).toBe('0b6f1');
    expect(() => uuidRefArg('xyz')).toThrow(InvalidArgumentError);
    expect([isFullUuid(ids[0] ?? ''), isFullUuid('0b6f1')]).toEqual([true, false]);
  });
});
