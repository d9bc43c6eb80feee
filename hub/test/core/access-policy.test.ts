import { describe, expect, it } from 'vitest';
import { deviceSubscribeDecision, devicePublishDecision, deviceWillDecision } from '../../src/core/access-policy';

describe('access policy (PROTOCOL topic ACL)', () => {
  it.each([
    ['ef/v1/d/dev-a/state', false, true],
    ['ef/v1/d/dev-a/stats', false, true],
    ['ef/v1/d/dev-a/events', false, true],
    ['ef/v1/d/dev-a/online', false, true],
    ['ef/v1/d/dev-a/state', true, false],
    ['ef/v1/d/dev-a/desired', false, false],
    ['ef/v1/d/dev-b/state', false, false],
    ['ef/v1/trust', false, false],
    ['$SYS/broker/x', false, false],
    ['ef/v1/d/dev-a/state/extra', false, false],
  ])('device dev-a publishing to %s (retain %s) -> %s', (topic, retain, allowed) => {
    expect(devicePublishDecision('dev-a', topic, retain).allow).toBe(allowed);
  });

  it.each([
    ['ef/v1/d/dev-a/desired', true],
    ['ef/v1/trust', true],
    ['ef/v1/d/dev-b/desired', false],
    ['ef/v1/d/+/desired', false],
    ['#', false],
    ['$SYS/#', false],
    ['ef/v1/d/dev-a/state', false],
  ])('device dev-a subscribing to %s -> %s', (filter, allowed) => {
    expect(deviceSubscribeDecision('dev-a', filter).allow).toBe(allowed);
  });

  it('accepts only the device’s own non-retained online topic as a will', () => {
    expect(deviceWillDecision('dev-a', { topic: 'ef/v1/d/dev-a/online', retain: false }).allow).toBe(true);
    expect(deviceWillDecision('dev-a', { topic: 'ef/v1/d/dev-a/online', retain: true }).allow).toBe(false);
    expect(deviceWillDecision('dev-a', { topic: 'ef/v1/d/dev-b/online', retain: false }).allow).toBe(false);
    expect(deviceWillDecision('dev-a', { topic: 'ef/v1/d/dev-a/state', retain: false }).allow).toBe(false);
  });

  it('refuses client ids that are not device ids', () => {
    expect(devicePublishDecision('a/b', 'ef/v1/d/a/state', false).allow).toBe(false);
    expect(deviceSubscribeDecision('#', 'ef/v1/trust').allow).toBe(false);
  });
});
