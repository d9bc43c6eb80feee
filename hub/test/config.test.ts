import { describe, expect, it } from 'vitest';
import { hubOptionsFromEnv } from '../src/index';
import { deviceUrls, misspeltHubSettings } from '../src/config';

describe('hubOptionsFromEnv', () => {
  it('defaults to ./data with nothing set', () => {
    expect(hubOptionsFromEnv({})).toEqual({ dataDir: './data' });
  });

  it('reads every variable', () => {
    expect(
      hubOptionsFromEnv({
        EDGEFLEET_DATA_DIR: '/var/lib/edgefleet',
        EDGEFLEET_HTTP_PORT: '9000',
        EDGEFLEET_MQTT_PORT: '0',
        EDGEFLEET_HOST: '127.0.0.1',
        EDGEFLEET_ADMIN_TOKEN: 'a-long-enough-token',
        EDGEFLEET_PUBLIC_URL: 'https://hub.example.com',
        EDGEFLEET_MAX_MODEL_BYTES: '1024',
        EDGEFLEET_DEPLOYMENT_TTL_S: '7200',
        EDGEFLEET_ALERT_WEBHOOK_URL: 'https://alerts.example.com/hook',
        EDGEFLEET_ALERT_WEBHOOK_SECRET: 'a-webhook-signing-key',
        EDGEFLEET_DRIFT_SCHEDULE: '*/15 * * * *',
        EDGEFLEET_STATS_INTERVAL_S: '300',
        EDGEFLEET_RETRAIN_SCHEDULE: '0 3 * * *',
      }),
    ).toEqual({
      dataDir: '/var/lib/edgefleet',
      httpPort: 9000,
      mqttPort: 0,
      host: '127.0.0.1',
      adminToken: 'a-long-enough-token',
      publicUrl: 'https://hub.example.com',
      maxModelBytes: 1024,
      deploymentTtlS: 7200,
      alertWebhookUrl: 'https://alerts.example.com/hook',
      alertWebhookSecret: 'a-webhook-signing-key',
      driftSchedule: '*/15 * * * *',
      statsIntervalS: 300,
      retrainSchedule: '0 3 * * *',
    });
  });

  it.each([
    ['EDGEFLEET_HTTP_PORT', 'eighty'],
    ['EDGEFLEET_MQTT_PORT', '70000'],
    ['EDGEFLEET_PUBLIC_URL', 'not a url'],
    ['EDGEFLEET_ADMIN_TOKEN', 'short'],
    ['EDGEFLEET_MAX_MODEL_BYTES', '-1'],
    ['EDGEFLEET_BROKER_URL', 'nonsense'],
    ['EDGEFLEET_BROKER_URL', 'http://broker.example.com'],
    ['EDGEFLEET_BROKER_URL', 'mqtt://'],
    ['EDGEFLEET_ALERT_WEBHOOK_URL', 'ftp://alerts.example.com'],
    ['EDGEFLEET_ALERT_WEBHOOK_SECRET', 'short'],
    ['EDGEFLEET_DRIFT_SCHEDULE', 'hourly'],
    ['EDGEFLEET_STATS_INTERVAL_S', '1'],
    ['EDGEFLEET_RETRAIN_SCHEDULE', '61 * * * *'],
    ['EDGEFLEET_DEPLOYMENT_TTL_S', '3600'],
  ])('names %s when its value is bad', (name, value) => {
    expect(() => hubOptionsFromEnv({ [name]: value })).toThrow(name);
  });
});

describe('EDGEFLEET_BROKER_URL', () => {
  it.each(['mqtt://broker:1883', 'mqtts://hub:s%40cret@broker.example.com:8883', 'ws://broker/mqtt', 'wss://broker.example.com:8884/mqtt'])('accepts %s', (url) => {
    expect(hubOptionsFromEnv({ EDGEFLEET_BROKER_URL: url })).toEqual({ dataDir: './data', brokerUrl: url });
  });

  it('never echoes a rejected value, which may hold a password', () => {
    expect(() => hubOptionsFromEnv({ EDGEFLEET_BROKER_URL: 'http://hub:topsecret@broker' })).toThrow(/EDGEFLEET_BROKER_URL: must be an mqtt:\/\//);
    expect(() => hubOptionsFromEnv({ EDGEFLEET_BROKER_URL: 'http://hub:topsecret@broker' })).not.toThrow(/topsecret/);
  });
});

describe('EDGEFLEET_BROKER_PROVISIONING', () => {
  it('takes mosquitto-dynsec with an external broker, and refuses it without one or an unknown value', () => {
    const url = 'mqtt://edgefleet-hub:pw@broker:1883';
    expect(hubOptionsFromEnv({ EDGEFLEET_BROKER_URL: url, EDGEFLEET_BROKER_PROVISIONING: 'mosquitto-dynsec' })).toEqual({ dataDir: './data', brokerUrl: url, brokerProvisioning: 'mosquitto-dynsec' });
    expect(() => hubOptionsFromEnv({ EDGEFLEET_BROKER_PROVISIONING: 'mosquitto-dynsec' })).toThrow(/EDGEFLEET_BROKER_PROVISIONING: needs EDGEFLEET_BROKER_URL/);
    expect(() => hubOptionsFromEnv({ EDGEFLEET_BROKER_URL: url, EDGEFLEET_BROKER_PROVISIONING: 'emqx' })).toThrow(/EDGEFLEET_BROKER_PROVISIONING/);
  });

  it('takes a replica client id and share group with an external broker, naming a bad value', () => {
    const url = 'mqtt://edgefleet-hub-b:pw@broker:1883';
    expect(hubOptionsFromEnv({ EDGEFLEET_BROKER_URL: url, EDGEFLEET_BROKER_CLIENT_ID: 'hub-b', EDGEFLEET_BROKER_SHARE_GROUP: 'edgefleet' })).toEqual({ dataDir: './data', brokerUrl: url, brokerClientId: 'hub-b', brokerShareGroup: 'edgefleet' });
    expect(() => hubOptionsFromEnv({ EDGEFLEET_BROKER_SHARE_GROUP: 'edgefleet' })).toThrow(/EDGEFLEET_BROKER_SHARE_GROUP: needs EDGEFLEET_BROKER_URL/);
    expect(() => hubOptionsFromEnv({ EDGEFLEET_BROKER_URL: url, EDGEFLEET_BROKER_SHARE_GROUP: 'a/b' })).toThrow(/EDGEFLEET_BROKER_SHARE_GROUP/);
    expect(() => hubOptionsFromEnv({ EDGEFLEET_BROKER_URL: url, EDGEFLEET_BROKER_CLIENT_ID: '#' })).toThrow(/EDGEFLEET_BROKER_CLIENT_ID/);
    expect(hubOptionsFromEnv({ EDGEFLEET_REPLICA_ID: 'hub-2.eu' })).toEqual({ dataDir: './data', replicaId: 'hub-2.eu' });
    expect(() => hubOptionsFromEnv({ EDGEFLEET_REPLICA_ID: 'a b' })).toThrow(/EDGEFLEET_REPLICA_ID/);
  });

  it('takes a PostgreSQL URL and a lease length, naming a bad value without echoing it', () => {
    const url = 'postgres://edgefleet:s3cret@db:5432/edgefleet';
    expect(hubOptionsFromEnv({ EDGEFLEET_DATABASE_URL: url, EDGEFLEET_LEASE_TTL_S: '12' })).toEqual({ dataDir: './data', databaseUrl: url, leaseTtlS: 12 });
    expect(hubOptionsFromEnv({ EDGEFLEET_DATABASE_URL: 'postgresql://db/edgefleet' }).databaseUrl).toBe('postgresql://db/edgefleet');
    const refused = (() => {
      try {
        hubOptionsFromEnv({ EDGEFLEET_DATABASE_URL: 'mysql://edgefleet:s3cret@db/edgefleet' });
        return '';
      } catch (error) {
        return String(error);
      }
    })();
    expect(refused).toMatch(/EDGEFLEET_DATABASE_URL: must be a postgres/);
    expect(refused).not.toContain('s3cret');
    expect(() => hubOptionsFromEnv({ EDGEFLEET_LEASE_TTL_S: '2' })).toThrow(/EDGEFLEET_LEASE_TTL_S/);
  });
});

describe('deviceUrls', () => {
  it('derives broker URLs from the public URL', () => {
    expect(deviceUrls('https://hub.example.com/', '0.0.0.0', 8080, 1883)).toEqual({
      publicUrl: 'https://hub.example.com',
      mqttUrl: 'mqtt://hub.example.com:1883',
      wsUrl: 'wss://hub.example.com/mqtt',
    });
  });

  it('uses localhost for a wildcard bind and the bind address otherwise', () => {
    expect(deviceUrls(undefined, '0.0.0.0', 8080, 1883).publicUrl).toBe('http://localhost:8080');
    expect(deviceUrls(undefined, '127.0.0.1', 4000, 4001)).toEqual({ publicUrl: 'http://127.0.0.1:4000', mqttUrl: 'mqtt://127.0.0.1:4001', wsUrl: 'ws://127.0.0.1:4000/mqtt' });
  });
});

describe('misspeltHubSettings', () => {
  it('names variables a few edits from a hub setting, and passes the settings, EDGEFLEET_CODE_VERSION and the agent\'s', () => {
    const env = { EDGEFLEET_DATA_DIR: '/srv', EDGEFLEET_CODE_VERSION: 'abc', EDGEFLEET_HUB_URL: 'http://hub', EDGEFLEET_DEVICE_SECRET_FILE: '/s', EDGEFLEET_DRIFT_PERIOD: '60' };
    expect(misspeltHubSettings(env)).toEqual([{ name: 'EDGEFLEET_DRIFT_PERIOD', closest: 'EDGEFLEET_DRIFT_PERIOD_S' }]);
  });
});
