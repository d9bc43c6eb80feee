/**
 * Fuzzing the decoders of what devices publish and the hub reads off MQTT (and the enrolment
 * request a browser sends): state, events, online, statistics windows (canonical and packed).
 * Arbitrary bytes, arbitrary JSON and single mutations of a valid message either decode to a
 * value the schema accepts or throw a ProtocolError (E_BAD_JSON / E_SCHEMA) that names the field;
 * never another exception. Valid messages of every shape still decode to themselves.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  AGENT_PHASES,
  ERROR_CODES,
  EVENT_KINDS,
  ProtocolError,
  decodeMessage,
  decodeStatsWindow,
  deviceEventSchema,
  encodeStatsWindow,
  enrolRequestSchema,
  onlineMessageSchema,
  reportedStateSchema,
  statsWindowSchema,
  utf8Encode,
  type DeviceEvent,
  type ReportedState,
} from '@edgefleet/protocol';
import { anyJson, deeplyNested, fuzz, hostileBytes, mutationOf, namesField, type Json } from '../../../test/support/fuzz';
import { richWindow } from '../fixtures';

interface Decoder {
  name: string;
  decode(bytes: Uint8Array): unknown;
  /** what a decoded value must satisfy */
  schema: { safeParse(value: unknown): { success: boolean } };
  valid: Json;
}

const state: ReportedState = {
  device: 'dev-1',
  seq: 3,
  phase: 'serving',
  active: { model: 'vad', version: '1', sha256: 'a'.repeat(64) },
  previous: null,
  shadow: null,
  error: { code: 'E_PROBE_FAILED', message: 'probe output differs' },
  agent: { version: '0.1.0', runtime: '1.30.0', freeDiskBytes: 1_000_000 },
  at: '2026-12-04T10:00:00.000Z',
};
const event: DeviceEvent = { id: 'evt-00000001', device: 'dev-1', kind: 'install-failed', at: '2026-12-04T10:00:00.000Z', seq: 3, model: { model: 'vad', version: '2', sha256: 'b'.repeat(64) }, error: { code: 'E_HASH_MISMATCH', message: 'bytes differ' } };

const DECODERS: Decoder[] = [
  { name: 'state', decode: (b) => decodeMessage(reportedStateSchema, b, 'state'), schema: reportedStateSchema, valid: state as unknown as Json },
  { name: 'event', decode: (b) => decodeMessage(deviceEventSchema, b, 'event'), schema: deviceEventSchema, valid: event as unknown as Json },
  { name: 'online', decode: (b) => decodeMessage(onlineMessageSchema, b, 'online'), schema: onlineMessageSchema, valid: { online: true } },
  { name: 'stats (canonical)', decode: (b) => decodeStatsWindow(b, 'stats'), schema: statsWindowSchema, valid: richWindow as unknown as Json },
  { name: 'stats (packed)', decode: (b) => decodeStatsWindow(b, 'stats'), schema: statsWindowSchema, valid: JSON.parse(new TextDecoder().decode(encodeStatsWindow(richWindow))) as Json },
  { name: 'enrolment request', decode: (b) => decodeMessage(enrolRequestSchema, b, 'enrol'), schema: enrolRequestSchema, valid: { token: 'A'.repeat(43) } },
];

type Outcome = { ok: true; value: unknown } | { ok: false; error: ProtocolError };

/** The decoder's answer; anything thrown but a ProtocolError fails the property as it is. */
function attempt(decoder: Decoder, bytes: Uint8Array): Outcome {
  try {
    return { ok: true, value: decoder.decode(bytes) };
  } catch (error) {
    if (error instanceof ProtocolError) return { ok: false, error };
    throw error;
  }
}

function expectTypedOutcome(decoder: Decoder, outcome: Outcome): void {
  if (outcome.ok) expect(decoder.schema.safeParse(outcome.value).success).toBe(true);
  else expect(['E_BAD_JSON', 'E_SCHEMA']).toContain(outcome.error.code);
}

const text = (value: string): Uint8Array => utf8Encode(value);

describe.each(DECODERS)('fuzzing the $name decoder', (decoder) => {
  it('the valid message decodes', () => {
    expect(attempt(decoder, text(JSON.stringify(decoder.valid))).ok).toBe(true);
  });

  it('arbitrary bytes: a value the schema accepts or E_BAD_JSON / E_SCHEMA', async () => {
    await fuzz(
      fc.property(hostileBytes(), (bytes) => {
        expectTypedOutcome(decoder, attempt(decoder, bytes));
      }),
    );
  });

  it('arbitrary JSON: E_SCHEMA naming a field, or a valid value', async () => {
    await fuzz(
      fc.property(anyJson(), (value) => {
        const outcome = attempt(decoder, text(JSON.stringify(value)));
        expectTypedOutcome(decoder, outcome);
        if (!outcome.ok) expect(outcome.error.message).toMatch(/^[a-z ()]+: \S/);
      }),
    );
  });

  it('one mutation of a valid message: still valid, or refused naming the mutated field', async () => {
    await fuzz(
      fc.property(mutationOf(decoder.valid), (mutated) => {
        const outcome = attempt(decoder, text(mutated.text));
        expectTypedOutcome(decoder, outcome);
        // Without `v` a packed window is read as a canonical one: its tuples are what is refused, by name.
        const readAsCanonical = decoder.name === 'stats (packed)' && mutated.kind === 'drop' && mutated.path.join('.') === 'v';
        if (!outcome.ok && !readAsCanonical) expect(namesField(outcome.error.message, mutated.path), `${mutated.kind} at ${JSON.stringify(mutated.path)}: ${outcome.error.message}`).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('fuzzing: valid device messages still decode', () => {
  const iso = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());
  const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
  const ref = fc.record({ model: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/), version: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$/), sha256: fc.stringMatching(/^[0-9a-f]{64}$/) });
  const seq = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 1 });
  // Printable text with any non-ASCII but no U+0000 or lone surrogate (refused on purpose).
  const message = fc.string({ maxLength: 2000, unit: 'grapheme' });
  const error = fc.record({ code: fc.constantFrom(...ERROR_CODES), message });

  it('reported states', async () => {
    const states = fc.record(
      {
        device: id,
        seq,
        phase: fc.constantFrom(...AGENT_PHASES),
        active: fc.option(ref),
        previous: fc.option(ref),
        shadow: fc.option(ref),
        error: fc.option(error),
        agent: fc.record({ version: fc.string({ maxLength: 64 }), runtime: fc.string({ maxLength: 64 }), freeDiskBytes: fc.nat() }, { requiredKeys: ['version', 'runtime'] }),
        at: iso,
      },
      { requiredKeys: ['device', 'seq', 'phase', 'active', 'previous', 'error', 'agent', 'at'] },
    );
    await fuzz(
      fc.property(states, (s) => {
        expect(decodeMessage(reportedStateSchema, text(JSON.stringify(s)), 'state')).toEqual(s);
      }),
    );
  });

  it('events', async () => {
    const events = fc.record(
      { id: fc.string({ minLength: 8, maxLength: 64 }), device: id, kind: fc.constantFrom(...EVENT_KINDS), at: iso, seq, model: fc.option(ref), error },
      { requiredKeys: ['id', 'device', 'kind', 'at'] },
    );
    await fuzz(
      fc.property(events, (e) => {
        expect(decodeMessage(deviceEventSchema, text(JSON.stringify(e)), 'event')).toEqual(e);
      }),
    );
  });

  it('statistics windows, packed and canonical, with any counts and finite moments', async () => {
    const count = fc.nat({ max: 1_000_000 });
    // -0 travels as 0 in JSON
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }).map((x) => (x === 0 ? 0 : x));
    const binned = fc.record({ counts: fc.array(count, { maxLength: 20 }), underflow: count, overflow: count, missing: count, sum: finite, sumSq: finite.map(Math.abs), min: fc.option(finite), max: fc.option(finite) });
    const windows = fc.record({ n: count, latencyMs: binned, features: fc.array(fc.oneof(binned.map((b) => ({ kind: 'numeric' as const, ...b })), fc.record({ kind: fc.constant('categorical' as const), counts: fc.array(count, { maxLength: 20 }), unseen: count, missing: count })), { maxLength: 8 }) });
    await fuzz(
      fc.property(windows, (parts) => {
        const window = { ...richWindow, ...parts };
        expect(decodeStatsWindow(text(JSON.stringify(window)), 'stats')).toEqual(window);
        // packing rounds the moments to 12 digits: the packed form decodes to a valid window of the same counts
        const packed = decodeStatsWindow(encodeStatsWindow(window), 'stats');
        expect(packed.features.map((f) => f.counts)).toEqual(window.features.map((f) => f.counts));
        expect(packed.latencyMs.counts).toEqual(window.latencyMs.counts);
      }),
    );
  });
});

describe('fuzzing: found by the suites above, kept as examples', () => {
  it('a deeply nested value beside an escaped string is E_BAD_JSON or E_SCHEMA, not a stack overflow', () => {
    const deep = deeplyNested(50_000, '"\\u0041"');
    for (const decoder of DECODERS) {
      const valid = decoder.valid as Record<string, Json>;
      const field = Object.keys(valid)[0] ?? 'x';
      const payload = JSON.stringify({ ...valid, [field]: '\u0001' }).replace('"\\u0001"', deep);
      const outcome = attempt(decoder, text(payload));
      expect(outcome.ok).toBe(false);
    }
  });
});
