import { describe, expect, it } from 'vitest';
import { topicMatches } from '../../src/core/topic-filter';

describe('topicMatches', () => {
  it.each([
    ['ef/v1/d/+/state', 'ef/v1/d/dev-a/state', true],
    ['ef/v1/d/+/state', 'ef/v1/d/dev-a/stats', false],
    ['ef/v1/d/+/state', 'ef/v1/d/dev-a/state/extra', false],
    ['ef/v1/d/+/state', 'ef/v1/d/state', false],
    ['ef/v1/d/+/state', 'ef/v1/d//state', true],
    ['ef/v1/trust', 'ef/v1/trust', true],
    ['ef/v1/#', 'ef/v1', true],
    ['ef/v1/#', 'ef/v1/d/dev-a/state', true],
    ['#', '$SYS/broker/uptime', false],
    ['+/broker/uptime', '$SYS/broker/uptime', false],
    ['$SYS/#', '$SYS/broker/uptime', true],
  ])('%s against %s is %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});
