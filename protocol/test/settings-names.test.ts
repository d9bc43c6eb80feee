import { describe, expect, it } from 'vitest';
import { describeMisspeltSettings, misspeltSettings } from '../src/settings-names';

const HUB = ['EDGEFLEET_HTTP_PORT', 'EDGEFLEET_MQTT_PORT', 'EDGEFLEET_DATA_DIR', 'EDGEFLEET_HOST'];

describe('misspeltSettings', () => {
  it('names each EDGEFLEET_ variable the program does not read that is a few edits from one it does', () => {
    const env = { EDGEFLEET_HTTP_PROT: '9000', EDGEFLEET_DATADIR: '/var/lib/edgefleet', EDGEFLEET_DATA_DIR: '/srv', PATH: '/usr/bin', HTTP_PROT: '1' };
    const misspelt = misspeltSettings(env, HUB);
    expect(misspelt).toEqual([
      { name: 'EDGEFLEET_DATADIR', closest: 'EDGEFLEET_DATA_DIR' },
      { name: 'EDGEFLEET_HTTP_PROT', closest: 'EDGEFLEET_HTTP_PORT' },
    ]);
    expect(describeMisspeltSettings(misspelt)).toBe('EDGEFLEET_DATADIR (did you mean EDGEFLEET_DATA_DIR?), EDGEFLEET_HTTP_PROT (did you mean EDGEFLEET_HTTP_PORT?)');
  });

  it("lets names far from every name it reads pass: other edgefleet programs' settings", () => {
    expect(misspeltSettings({ EDGEFLEET_HUB_URL: 'http://hub', EDGEFLEET_AGENT_PORT: '8181', EDGEFLEET_DEVICE_ID: 'd', EDGEFLEET_MQTT_PORT: '' }, HUB)).toEqual([]);
  });

  it('suggests the closest of several names', () => {
    expect(misspeltSettings({ EDGEFLEET_MQTT_PRT: 'x', EDGEFLEET_HOTS: 'x' }, HUB)).toEqual([
      { name: 'EDGEFLEET_HOTS', closest: 'EDGEFLEET_HOST' },
      { name: 'EDGEFLEET_MQTT_PRT', closest: 'EDGEFLEET_MQTT_PORT' },
    ]);
  });
});
