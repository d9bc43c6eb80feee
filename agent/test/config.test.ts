import { describe, expect, it } from 'vitest';
import { agentOptionsFromEnv } from '../src/config';

const env = {
  EDGEFLEET_HUB_URL: 'http://127.0.0.1:8080',
  EDGEFLEET_DEVICE_ID: 'edge-01',
  EDGEFLEET_DEVICE_SECRET: 'top-secret',
};

describe('agentOptionsFromEnv', () => {
  it('applies the documented defaults', () => {
    expect(agentOptionsFromEnv(env)).toEqual({ ...{ hubUrl: env.EDGEFLEET_HUB_URL, deviceId: 'edge-01', deviceSecret: 'top-secret' }, dataDir: './agent-data', port: 8181 });
  });

  it('reads the optional variables, treating empty ones as unset', () => {
    const options = agentOptionsFromEnv({ ...env, EDGEFLEET_BROKER_URL: 'mqtt://hub:1883', EDGEFLEET_AGENT_DATA_DIR: '/var/lib/ef', EDGEFLEET_AGENT_PORT: '0' });
    expect(options).toMatchObject({ brokerUrl: 'mqtt://hub:1883', dataDir: '/var/lib/ef', port: 0 });
    expect(agentOptionsFromEnv({ ...env, EDGEFLEET_BROKER_URL: '', EDGEFLEET_AGENT_PORT: '' })).toMatchObject({ port: 8181 });
  });

  const bad: Array<[string, NodeJS.ProcessEnv]> = [
    ['EDGEFLEET_HUB_URL', { ...env, EDGEFLEET_HUB_URL: 'ftp://x' }],
    ['EDGEFLEET_DEVICE_ID', { ...env, EDGEFLEET_DEVICE_ID: 'a/b' }],
    ['EDGEFLEET_DEVICE_SECRET', { ...env, EDGEFLEET_DEVICE_SECRET: undefined }],
    ['EDGEFLEET_AGENT_PORT', { ...env, EDGEFLEET_AGENT_PORT: '70000' }],
    ['EDGEFLEET_BROKER_URL', { ...env, EDGEFLEET_BROKER_URL: 'http://hub' }],
  ];
  for (const [variable, input] of bad) {
    it(`names ${variable} when it is wrong, without echoing the secret`, () => {
      let message = '';
      try {
        agentOptionsFromEnv(input);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain(variable);
      expect(message).not.toContain('top-secret');
    });
  }
});
