import { describe, expect, it } from 'vitest';
import { DEVICE_PUBLISH_KINDS, TRUST_TOPIC, allDevicesTopic, desiredTopic, deviceTopic, parseDeviceTopic } from '@edgefleet/protocol';

describe('topics', () => {
  it('builds and parses device topics', () => {
    expect(desiredTopic('dev-1')).toBe('ef/v1/d/dev-1/desired');
    expect(parseDeviceTopic('ef/v1/d/dev-1/state')).toEqual({ deviceId: 'dev-1', kind: 'state' });
    expect(allDevicesTopic('stats')).toBe('ef/v1/d/+/stats');
    expect(TRUST_TOPIC).toBe('ef/v1/trust');
    expect(DEVICE_PUBLISH_KINDS).not.toContain('desired');
  });

  it.each(['a/b', 'a+b', 'a#', '', 'x'.repeat(65), 'a\u0000b', '../x'])('refuses device id %j', (id) => {
    expect(() => deviceTopic(id, 'state')).toThrow(/invalid device id/);
  });

  it.each([
    'ef/v1/d/dev-1/other',
    'ef/v1/d/+/state',
    'ef/v1/d/dev-1/state/extra',
    'ef/v2/d/dev-1/state',
    'ef/v1/x/dev-1/state',
    '$SYS/ef/v1/d/dev-1/state',
  ])('parses %j as not a device topic', (topic) => {
    expect(parseDeviceTopic(topic)).toBeNull();
  });
});
