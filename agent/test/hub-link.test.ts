import { describe, expect, it } from 'vitest';
import { HubLink } from '../src/hub-link';

describe('HubLink: how the agent stands with its hub', () => {
  const setup = () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
    const log = (level: string) => (message: string, fields?: Record<string, unknown>) => lines.push({ level, message, ...(fields ? { fields } : {}) });
    const link = new HubLink({ deviceId: 'dev-9', now: () => now, logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }, credentialRetryMs: 60_000 });
    return { link, lines, tick: (ms: number) => (now = new Date(now.getTime() + ms)) };
  };

  it('connecting, then connected; a drop is offline with its reason, cleared by the next connect', () => {
    const { link, tick } = setup();
    expect(link.status()).toEqual({ state: 'connecting', credentialsRejected: false, since: '2026-01-01T00:00:00.000Z', lastError: null });
    link.unreachable('E_DOWNLOAD_FAILED', 'GET http://hub/device/v1/config: fetch failed (connect ECONNREFUSED)');
    expect(link.status()).toMatchObject({ state: 'connecting', lastError: { code: 'E_DOWNLOAD_FAILED' } });
    tick(1_000);
    link.connected();
    expect(link.status()).toEqual({ state: 'connected', credentialsRejected: false, since: '2026-01-01T00:00:01.000Z', lastError: null });
    link.unreachable('E_BROKER_UNREACHABLE', 'mqtt mqtt://hub:1883: read ECONNRESET');
    expect(link.status().lastError).toBeNull();
    tick(1_000);
    link.disconnected();
    expect(link.status()).toMatchObject({ state: 'offline', since: '2026-01-01T00:00:02.000Z', lastError: { code: 'E_BROKER_UNREACHABLE', message: 'mqtt mqtt://hub:1883: read ECONNRESET' } });
    link.connected();
    expect(link.status()).toMatchObject({ state: 'connected', lastError: null });
  });

  it('a refused credential is its own state and log line, not overwritten by network errors, until a connect succeeds', () => {
    const { link, lines } = setup();
    link.credentialsRejected('MQTT CONNACK 4: bad user name or password');
    expect(link.status()).toMatchObject({ state: 'credentials-rejected', credentialsRejected: true, lastError: { code: 'E_CREDENTIALS_REJECTED', message: 'the hub refused the credentials of device dev-9 (MQTT CONNACK 4: bad user name or password)' } });
    expect(lines).toEqual([expect.objectContaining({ level: 'error', fields: { code: 'E_CREDENTIALS_REJECTED', device: 'dev-9', refusal: 'MQTT CONNACK 4: bad user name or password', retryInMs: 60_000 } })]);
    expect(lines[0]?.message).toContain('EDGEFLEET_DEVICE_ID');
    link.unreachable('E_BROKER_UNREACHABLE', 'mqtt: connack timeout');
    link.disconnected();
    expect(link.status()).toMatchObject({ state: 'credentials-rejected', lastError: { code: 'E_CREDENTIALS_REJECTED' } });
    link.connected();
    expect(link.status()).toMatchObject({ state: 'connected', credentialsRejected: false, lastError: null });
    expect(lines.at(-1)).toMatchObject({ level: 'info', message: 'the hub accepts the device credentials again' });
  });

  it('an untrusted certificate is its own code and an error line once per reason, until a connect succeeds', () => {
    const { link, lines } = setup();
    const reason = "the hub's TLS certificate is not trusted (unable to verify the first certificate, UNABLE_TO_VERIFY_LEAF_SIGNATURE): set EDGEFLEET_CA_FILE";
    link.untrustedCertificate(reason, 1_000);
    link.untrustedCertificate(reason, 2_000);
    expect(link.status()).toMatchObject({ state: 'connecting', credentialsRejected: false, lastError: { code: 'E_TLS_UNTRUSTED', message: reason } });
    expect(lines.map((line) => line.level)).toEqual(['error', 'debug']);
    expect(lines[0]).toEqual({ level: 'error', message: reason, fields: { code: 'E_TLS_UNTRUSTED', device: 'dev-9', retryInMs: 1_000 } });
    link.untrustedCertificate(`${reason} (another)`);
    expect(lines.at(-1)?.level).toBe('error');
    link.connected();
    link.disconnected();
    link.untrustedCertificate(reason);
    expect(lines.at(-1)?.level).toBe('error');
    expect(link.status()).toMatchObject({ state: 'offline', lastError: { code: 'E_TLS_UNTRUSTED' } });
  });
});
