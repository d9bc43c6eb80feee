import { describe, expect, it } from 'vitest';
import { parseBrokerUrl } from '../../src/core/broker-url';

describe('parseBrokerUrl', () => {
  it('splits the credentials off, decoded, and keeps the rest of the URL', () => {
    expect(parseBrokerUrl('mqtts://hub:s%40cret%3A1@broker.example.com:8883')).toEqual({ url: 'mqtts://broker.example.com:8883', username: 'hub', password: 's@cret:1' });
    expect(parseBrokerUrl('wss://broker.example.com/mqtt')).toEqual({ url: 'wss://broker.example.com/mqtt', username: undefined, password: undefined });
  });

  it.each(['nonsense', 'http://broker', 'mqtt://', 'mqtt://hub:%zz@broker'])('refuses %s without echoing it', (raw) => {
    expect(() => parseBrokerUrl(raw)).toThrow(/^must be an mqtt:\/\//);
  });
});
