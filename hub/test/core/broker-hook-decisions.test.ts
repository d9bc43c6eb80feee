/**
 * The answers to an external broker's HTTP hooks (pure): unknown usernames are not ours
 * (ignore), decommissioned devices and borrowed client ids are denied, and a device's topics are
 * exactly the embedded broker's ACL.
 */
import { describe, expect, it } from 'vitest';
import { authenticationStep, authorizationResult } from '../../src/core/broker-hook-decisions';

describe('broker hook decisions', () => {
  it('authenticate: ignore strangers, deny the decommissioned and borrowed client ids, check the rest', () => {
    expect(authenticationStep({ clientid: 'edgefleet-hub', username: 'edgefleet-hub' }, 'unknown')).toBe('ignore');
    expect(authenticationStep({ clientid: 'dev-1', username: 'dev-1' }, 'decommissioned')).toBe('deny');
    expect(authenticationStep({ clientid: 'edgefleet-hub', username: 'dev-1' }, 'in-service')).toBe('deny');
    expect(authenticationStep({ clientid: 'dev-1', username: 'dev-1' }, 'in-service')).toBe('check');
  });

  it("authorize: a device's own topics only, never retained, and nothing for others", () => {
    const as = (topic: string, action: string, retain = false) => authorizationResult({ clientid: 'dev-1', username: 'dev-1', topic, action, retain }, 'in-service');
    expect(as('ef/v1/d/dev-1/stats', 'publish')).toBe('allow');
    expect(as('ef/v1/d/dev-1/stats', 'publish', true)).toBe('deny');
    expect(as('ef/v1/d/dev-2/stats', 'publish')).toBe('deny');
    expect(as('ef/v1/d/dev-1/desired', 'publish')).toBe('deny');
    expect(as('ef/v1/d/dev-1/desired', 'subscribe')).toBe('allow');
    expect(as('ef/v1/trust', 'subscribe')).toBe('allow');
    expect(as('ef/v1/d/+/desired', 'subscribe')).toBe('deny');
    expect(as('#', 'subscribe')).toBe('deny');
    expect(authorizationResult({ clientid: 'x', username: 'dev-1', topic: 'ef/v1/d/dev-1/stats', action: 'publish', retain: false }, 'in-service')).toBe('deny');
    expect(authorizationResult({ clientid: 'dev-1', username: 'dev-1', topic: 'ef/v1/d/dev-1/stats', action: 'publish', retain: false }, 'decommissioned')).toBe('deny');
    expect(authorizationResult({ clientid: 'hub', username: 'hub', topic: 'ef/v1/#', action: 'subscribe', retain: false }, 'unknown')).toBe('ignore');
  });
});
