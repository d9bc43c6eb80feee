import type { DeviceEvent, ModelRef } from '@edgefleet/protocol';
import { describe, expect, it } from 'vitest';
import { DeviceLedger } from '../../src/state/device-ledger';
import { emptyPersistedState } from '../../src/state/device-state';

class TestLedger extends DeviceLedger {
  raised: DeviceEvent[] = [];
  servingRef(): ModelRef | null {
    return null;
  }
  protected eventRaised(event: DeviceEvent): void {
    this.raised.push(event);
  }
}

describe('DeviceLedger events', () => {
  it('logs an event with the model and the version it concerns, each under its own name', () => {
    const lines: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    const log = (message: string, fields?: Record<string, unknown>) => lines.push({ message, fields });
    let n = 0;
    const ledger = new TestLedger(emptyPersistedState(), { kind: 'unpinned' }, {
      deviceId: 'dev-1',
      now: () => new Date('2026-12-05T00:00:00Z'),
      logger: { debug: log, info: log, warn: log, error: log },
      saveState: async () => {},
      newId: () => `id-${++n}`,
    });
    const model = { model: 'sensors', version: '3', sha256: 'a'.repeat(64) };
    const event = ledger.emit('install-started', { seq: 7, model });
    expect(event).toMatchObject({ id: 'id-1', device: 'dev-1', kind: 'install-started', seq: 7, model });
    expect(ledger.raised).toEqual([event]);
    expect(lines).toEqual([
      { message: 'event install-started', fields: { seq: 7, model: 'sensors', version: '3', code: undefined, message: undefined } },
    ]);
  });
});
