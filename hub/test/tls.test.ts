/**
 * The hub with its own certificate (EDGEFLEET_TLS_CERT / EDGEFLEET_TLS_KEY) from a private CA made
 * with openssl at test time: HTTPS, wss:// and mqtts:// for clients that trust the CA, a TLS error
 * for those that do not, no plaintext listener left, a certificate renewed without a restart (and a
 * bad renewal refused while the old one keeps serving), and start-up refusals that name the file.
 * The external-broker client trusts a private CA through EDGEFLEET_BROKER_CA_FILE.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { copyFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as createTlsServer, type ConnectionOptions, type Server as TlsServer } from 'node:tls';
import { Aedes } from 'aedes';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { Agent, fetch as undiciFetch } from 'undici';
import { desiredTopic } from '@edgefleet/protocol';
import { hubOptionsFromEnv, type Hub, type Logger } from '../src/index';
import { createTestCa, type IssuedCertificate, type TestCa } from '../../test/support/tls-certs';
import { until } from '../../test/support/process';
import { basicAuth, makeTempDir, testHub, type TempDir } from './support';

const DEVICE = 'tls-device';

/** A logger that keeps what the hub says, to look for key material and reload outcomes. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (msg: string, fields?: object) => void lines.push(JSON.stringify({ level, msg, ...fields }));
  return { lines, info: keep('info'), warn: keep('warn'), error: keep('error') };
}

/** The SHA-256 fingerprint of the certificate a new TLS connection to `url`'s port is shown. */
function servedFingerprint(url: string, ca: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: hostname, port: Number(port), ca, servername: 'localhost' }, () => {
      const fingerprint = socket.getPeerX509Certificate()?.fingerprint256 ?? '';
      socket.end();
      resolve(fingerprint);
    });
    socket.once('error', reject);
  });
}

/** The error a TLS client with `options` gets from `url`'s port, or null when the handshake succeeds. */
function handshakeError(url: string, options: ConnectionOptions): Promise<(Error & { code?: string }) | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: hostname, port: Number(port), servername: 'localhost', ...options }, () => {
      socket.end();
      resolve(null);
    });
    socket.once('error', (error: Error & { code?: string }) => resolve(error));
  });
}

const fingerprintOf = (pem: string): string => new X509Certificate(pem).fingerprint256;

/** Replaces a file the way cert tooling should: a temp file renamed over it. */
async function replaceFile(path: string, content: string): Promise<void> {
  await writeFile(`${path}.new`, content);
  await rename(`${path}.new`, path);
}

describe('the hub over TLS', () => {
  let dir: TempDir;
  let ca: TestCa;
  let first: IssuedCertificate;
  let hub: Hub;
  let secret: string;
  let trusting: Agent;
  const logger = recordingLogger();
  const clients: MqttClient[] = [];
  /** the hub's own certificate files, which a renewal overwrites */
  let certFile: string;
  let keyFile: string;

  const api = async <T>(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Headers; body: T }> => {
    const response = await undiciFetch(`${hub.httpUrl}${path}`, { ...init, dispatcher: trusting });
    const text = await response.text();
    return { status: response.status, headers: response.headers as unknown as Headers, body: (text ? JSON.parse(text) : null) as T };
  };
  const device = (url: string, extra: Partial<IClientOptions> = {}): Promise<MqttClient> =>
    connectAsync(url, { clientId: DEVICE, username: DEVICE, password: secret, reconnectPeriod: 0, protocolVersion: 4, connectTimeout: 5_000, ca: ca.ca, ...extra }).then((client) => {
      clients.push(client);
      return client;
    });

  beforeAll(async () => {
    dir = await makeTempDir();
    ca = await createTestCa(dir.path);
    first = await ca.issue('hub-1');
    certFile = join(dir.path, 'tls.crt');
    keyFile = join(dir.path, 'tls.key');
    await copyFile(first.certFile, certFile);
    await copyFile(first.keyFile, keyFile);
    hub = await testHub(join(dir.path, 'data'), { tls: { certFile, keyFile, watchIntervalMs: 100 }, logger });
    trusting = new Agent({ connect: { ca: ca.ca } });
    const enrolled = await api<{ secret: string }>('/api/v1/devices', { method: 'POST', headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: DEVICE }) });
    expect(enrolled.status).toBe(201);
    secret = enrolled.body.secret;
  });

  afterAll(async () => {
    for (const client of clients) await client.endAsync(true);
    await trusting?.close();
    await hub?.close();
    await dir?.remove();
  });

  it('answers https:// for a client that trusts the CA, and tells devices https://, mqtts:// and wss://', async () => {
    expect(hub.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(hub.mqttUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    expect(hub.wsUrl).toBe(`${hub.httpUrl.replace('https:', 'wss:')}/mqtt`);
    expect((await api('/healthz')).status).toBe(200);
    const config = await api<{ mqttUrl: string; wsUrl: string }>('/device/v1/config', { headers: { authorization: basicAuth(DEVICE, secret) } });
    expect(config.status).toBe(200);
    expect(config.body.mqttUrl).toBe(`mqtts://127.0.0.1:${new URL(hub.mqttUrl).port}`);
    expect(config.body.wsUrl).toBe(`${hub.httpUrl.replace('https:', 'wss:')}/mqtt`);
  });

  it('gives a client that does not trust the CA a certificate error, on HTTPS and on MQTT', async () => {
    const untrusting = new Agent();
    try {
      const failure = await undiciFetch(`${hub.httpUrl}/healthz`, { dispatcher: untrusting }).then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(Error);
      expect(String((failure as Error & { cause?: { code?: string } }).cause?.code)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    } finally {
      await untrusting.close();
    }
    await expect(device(hub.mqttUrl, { ca: undefined })).rejects.toThrow(/unable to verify the first certificate/);
  });

  it('leaves no plaintext listener: http:// and mqtt:// to the same ports fail', async () => {
    await expect(undiciFetch(hub.httpUrl.replace('https:', 'http:') + '/healthz')).rejects.toMatchObject({ cause: { code: 'UND_ERR_SOCKET' } });
    // allowRetries false: a connection closed before CONNACK rejects instead of waiting for a retry.
    await expect(connectAsync(hub.mqttUrl.replace('mqtts:', 'mqtt:'), { clientId: DEVICE, username: DEVICE, password: secret, reconnectPeriod: 0, connectTimeout: 3_000 }, false)).rejects.toThrow(/Couldn't connect/);
  });

  it('refuses TLS 1.1 and accepts TLS 1.2 on both listeners', async () => {
    for (const url of [hub.httpUrl, hub.mqttUrl]) {
      // SECLEVEL=0 lets this client offer TLS 1.1 at all: the refusal must be the hub's.
      const old = await handshakeError(url, { ca: ca.ca, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
      expect(old?.code).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
      expect(await handshakeError(url, { ca: ca.ca, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' })).toBeNull();
    }
  });

  it('logs failed MQTT handshakes with the address, at most once a minute per address (the tests above failed several from here)', async () => {
    const failed = (): string[] => logger.lines.filter((line) => line.includes('"mqtt tls handshake failed"'));
    await expect.poll(() => failed().length).toBeGreaterThan(0);
    // The first was the client refusing the hub's certificate: it reset the connection, and the address is still told.
    expect(failed()).toEqual([expect.stringContaining('"source":"127.0.0.1","reason":"ECONNRESET"')]);
  });

  it('lets a device in over mqtts:// and over wss://, with its ACL as over plaintext', async () => {
    for (const url of [hub.mqttUrl, hub.wsUrl]) {
      const client = await device(url);
      const [own] = await client.subscribeAsync(desiredTopic(DEVICE), { qos: 1 });
      expect(own?.qos).toBe(1);
      // A refused subscription (SUBACK 128) is what mqtt.js turns into this error.
      await expect(client.subscribeAsync(desiredTopic('someone-else'), { qos: 1 })).rejects.toThrow(/Subscribe error/);
      await client.endAsync();
    }
    await expect(device(hub.mqttUrl, { password: 'wrong-secret' })).rejects.toMatchObject({ code: 4 });
  });

  it('marks the console session cookie Secure', async () => {
    const reply = await api('/api/v1/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: hub.adminToken }) });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('set-cookie')).toMatch(/ef_session=.*;\s*Secure/i);
  });

  it('serves a renewed certificate to new connections on both listeners once its files change, keeping open connections', async () => {
    const open = await device(hub.mqttUrl);
    const renewed = await ca.issue('hub-2');
    await replaceFile(keyFile, renewed.key);
    await replaceFile(certFile, renewed.cert);
    const expected = fingerprintOf(renewed.cert);
    for (const url of [hub.httpUrl, hub.mqttUrl]) {
      await until(async () => ((await servedFingerprint(url, ca.ca)) === expected ? true : undefined), `the renewed certificate on ${url}`, 10_000);
    }
    expect(open.connected).toBe(true);
    expect((await open.subscribeAsync(desiredTopic(DEVICE), { qos: 1 }))[0]?.qos).toBe(1);
    expect(logger.lines.some((line) => line.includes('"tls certificate reloaded"') && line.includes(expected))).toBe(true);
  });

  it('refuses a bad renewal (a key of another certificate, then garbage) and keeps serving the current pair', async () => {
    const serving = await servedFingerprint(hub.httpUrl, ca.ca);
    const stranger = await ca.issue('stranger');
    await replaceFile(keyFile, stranger.key);
    const mismatched = await hub.reloadTls();
    expect(mismatched).toMatchObject({ ok: false });
    expect(!mismatched.ok && mismatched.reason).toMatch(/EDGEFLEET_TLS_KEY \(.*tls\.key\): is not the private key of the certificate/);
    await replaceFile(keyFile, 'not a key at all');
    const garbage = await hub.reloadTls();
    expect(!garbage.ok && garbage.reason).toMatch(/EDGEFLEET_TLS_KEY \(.*tls\.key\): not a valid unencrypted PEM private key/);
    for (const url of [hub.httpUrl, hub.mqttUrl]) expect(await servedFingerprint(url, ca.ca)).toBe(serving);
    expect((await api('/healthz')).status).toBe(200);
    expect(logger.lines.some((line) => line.includes('tls certificate not reloaded; the previous one is still served'))).toBe(true);
    // What was refused never reaches the log: no key text, only files and reasons.
    expect(logger.lines.join('\n')).not.toContain('PRIVATE KEY');
  });

  it('installs a pair handed to reloadTls (SIGHUP reads the files the same way)', async () => {
    const third = await ca.issue('hub-3');
    const outcome = await hub.reloadTls({ cert: third.cert, key: third.key });
    expect(outcome).toMatchObject({ ok: true, certificate: { fingerprint256: fingerprintOf(third.cert), names: ['localhost', '127.0.0.1'] } });
    for (const url of [hub.httpUrl, hub.mqttUrl]) expect(await servedFingerprint(url, ca.ca)).toBe(fingerprintOf(third.cert));
    // The files (back to a good pair) are what a SIGHUP reads again.
    await replaceFile(keyFile, first.key);
    await replaceFile(certFile, first.cert);
    const fromFiles = await hub.reloadTls();
    expect(fromFiles).toMatchObject({ ok: true, certificate: { fingerprint256: fingerprintOf(first.cert) } });
    expect(await servedFingerprint(hub.mqttUrl, ca.ca)).toBe(fingerprintOf(first.cert));
  });
});

describe('TLS configuration refused at start', () => {
  let dir: TempDir;
  let ca: TestCa;
  let good: IssuedCertificate;
  let other: IssuedCertificate;

  beforeAll(async () => {
    dir = await makeTempDir();
    ca = await createTestCa(dir.path);
    good = await ca.issue('good');
    other = await ca.issue('other');
    await writeFile(join(dir.path, 'huge.crt'), Buffer.alloc(2 * 1024 * 1024, 0x41));
  });
  afterAll(() => dir?.remove());

  it('needs both EDGEFLEET_TLS_CERT and EDGEFLEET_TLS_KEY, and https:// public URLs with them', () => {
    expect(() => hubOptionsFromEnv({ EDGEFLEET_TLS_CERT: good.certFile })).toThrow(/EDGEFLEET_TLS_KEY: must be set with EDGEFLEET_TLS_CERT/);
    expect(() => hubOptionsFromEnv({ EDGEFLEET_TLS_KEY: good.keyFile })).toThrow(/EDGEFLEET_TLS_CERT: must be set with EDGEFLEET_TLS_KEY/);
    expect(() => hubOptionsFromEnv({ EDGEFLEET_TLS_CERT: good.certFile, EDGEFLEET_TLS_KEY: good.keyFile, EDGEFLEET_PUBLIC_URL: 'http://hub.example.com' })).toThrow(/EDGEFLEET_PUBLIC_URL: must be https:\/\//);
    expect(hubOptionsFromEnv({ EDGEFLEET_TLS_CERT: good.certFile, EDGEFLEET_TLS_KEY: good.keyFile })).toEqual({ dataDir: './data', tls: { certFile: good.certFile, keyFile: good.keyFile } });
    expect(() => hubOptionsFromEnv({ EDGEFLEET_BROKER_CA_FILE: ca.caFile })).toThrow(/EDGEFLEET_BROKER_CA_FILE: needs an mqtts:\/\/ or wss:\/\/ EDGEFLEET_BROKER_URL/);
    expect(() => hubOptionsFromEnv({ EDGEFLEET_BROKER_CA_FILE: ca.caFile, EDGEFLEET_BROKER_URL: 'mqtt://broker:1883' })).toThrow(/EDGEFLEET_BROKER_CA_FILE/);
    expect(hubOptionsFromEnv({ EDGEFLEET_BROKER_CA_FILE: ca.caFile, EDGEFLEET_BROKER_URL: 'mqtts://broker:8883' })).toMatchObject({ brokerCaFile: ca.caFile });
  });

  it.each([
    ['a missing certificate file', () => ({ certFile: join(dir.path, 'absent.crt'), keyFile: good.keyFile }), /EDGEFLEET_TLS_CERT \(.*absent\.crt\): cannot read the file \(ENOENT\)/],
    ['a huge file where the certificate should be', () => ({ certFile: join(dir.path, 'huge.crt'), keyFile: good.keyFile }), /EDGEFLEET_TLS_CERT \(.*huge\.crt\): larger than 1 MiB/],
    ['a key where the certificate should be', () => ({ certFile: good.keyFile, keyFile: good.keyFile }), /EDGEFLEET_TLS_CERT \(.*good\.key\): not a PEM certificate/],
    ['a certificate where the key should be', () => ({ certFile: good.certFile, keyFile: good.certFile }), /EDGEFLEET_TLS_KEY \(.*good\.crt\): not a valid unencrypted PEM private key/],
    ['the key of another certificate', () => ({ certFile: good.certFile, keyFile: other.keyFile }), /EDGEFLEET_TLS_KEY \(.*other\.key\): is not the private key of the certificate in EDGEFLEET_TLS_CERT/],
  ])('stops startHub with %s, naming the file and never the key', async (_what, files, message) => {
    const data = await makeTempDir();
    try {
      const failure = await testHub(data.path, { tls: files() }).then(
        async (started) => {
          await started.close();
          return null;
        },
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toMatch(message);
      expect((failure as Error).message).not.toContain('PRIVATE KEY');
      expect((failure as Error).message).not.toContain(good.key.split('\n')[1]);
    } finally {
      await data.remove();
    }
  });

  it('stops startHub when a public URL is http:// while the hub serves TLS', async () => {
    const data = await makeTempDir();
    try {
      await expect(testHub(data.path, { tls: { cert: good.cert, key: good.key }, publicUrl: 'http://localhost:8080' })).rejects.toThrow(/publicUrl \(EDGEFLEET_PUBLIC_URL\) must be https:\/\//);
    } finally {
      await data.remove();
    }
  });
});

describe('an external broker over TLS with a private CA (EDGEFLEET_BROKER_CA_FILE)', () => {
  let dir: TempDir;
  let ca: TestCa;
  let broker: Aedes;
  let server: TlsServer;
  let brokerUrl: string;

  beforeAll(async () => {
    dir = await makeTempDir();
    ca = await createTestCa(dir.path, 'broker CA');
    const issued = await ca.issue('broker');
    // An operator's broker with its own TLS; who may connect is not what is tested here.
    broker = await Aedes.createBroker();
    server = createTlsServer({ cert: issued.cert, key: issued.key }, (socket) => broker.handle(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    brokerUrl = `mqtts://localhost:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => broker?.close(() => resolve()));
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await dir?.remove();
  });

  it('connects when the CA file is given, and fails with the certificate error when it is not', async () => {
    const data = await makeTempDir();
    try {
      const hub = await testHub(data.path, { brokerUrl, brokerCaFile: ca.caFile, brokerConnectTimeoutMs: 5_000 });
      expect(hub.mqttUrl).toBe(`${brokerUrl}`);
      await hub.close();
      await expect(testHub(data.path, { brokerUrl, brokerConnectTimeoutMs: 5_000 })).rejects.toThrow(/cannot connect to the external broker .*unable to verify the first certificate/);
      await expect(testHub(data.path, { brokerUrl, brokerCaFile: join(data.path, 'missing-ca.pem') })).rejects.toThrow(/EDGEFLEET_BROKER_CA_FILE \(.*missing-ca\.pem\): cannot read the file \(ENOENT\)/);
    } finally {
      await data.remove();
    }
  });
});
