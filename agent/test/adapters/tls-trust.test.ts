/**
 * The agent trusts a private CA for the hub's TLS when given one (EDGEFLEET_CA_FILE, `ca`): its
 * HTTP client (config, manifests, artifacts) and its MQTT link over mqtts:// reach servers whose
 * certificates that CA signed, and without it they refuse them, saying the certificate is not
 * trusted and what to do (E_TLS_UNTRUSTED), not that the hub is unreachable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Aedes } from 'aedes';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { getFromHub } from '../../src/adapters/hub-client';
import { hubHttp, plainFetch } from '../../src/adapters/hub-http';
import { connectMqttLink, type MqttLink } from '../../src/adapters/mqtt-link';
import { caCertificates } from '../../src/core/ca-bundle';
import { AgentError } from '../../src/errors';
import { SILENT_LOGGER } from '../support/agent-options';
import { tempDir, type TempDir } from '../../../test/support/harness';
import { createTestCa } from '../../../test/support/tls-certs';

describe('extra CAs for the hub', () => {
  let certDir: TempDir;
  let certs: { caPem: string; keyPem: string; certPem: string };
  let https: HttpsServer;
  let mqtts: TlsServer;
  let broker: Aedes;
  let httpsUrl: string;
  let mqttsUrl: string;

  beforeAll(async () => {
    certDir = await tempDir('agent-tls');
    const ca = await createTestCa(certDir.path);
    const issued = await ca.issue('hub');
    certs = { caPem: ca.ca, keyPem: issued.key, certPem: issued.cert };
    https = createHttpsServer({ key: certs.keyPem, cert: certs.certPem }, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    httpsUrl = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
    broker = await Aedes.createBroker({ authenticate: (_client, username, password, done) => done(null, username === 'dev-tls' && password?.toString() === 'tls-secret') });
    mqtts = createTlsServer({ key: certs.keyPem, cert: certs.certPem }, (socket) => broker.handle(socket));
    await new Promise<void>((resolve) => mqtts.listen(0, '127.0.0.1', resolve));
    mqttsUrl = `mqtts://127.0.0.1:${(mqtts.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    https?.closeAllConnections();
    await new Promise<void>((resolve) => (https ? https.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (mqtts ? mqtts.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (broker ? broker.close(() => resolve()) : resolve()));
    await certDir?.remove();
  });

  const get = (fetch: typeof plainFetch) => fetch(`${httpsUrl}/device/v1/config`, { headers: {}, signal: AbortSignal.timeout(5_000) });

  it('HTTPS: trusted with the CA, refused without it', async () => {
    const http = hubHttp(caCertificates(certs.caPem, 'test CA'));
    try {
      const response = await get(http.fetch);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true });
    } finally {
      await http.close();
    }
    const refusal = await get(plainFetch).then(
      () => 'connected',
      (error: Error) => String(error.cause instanceof Error ? error.cause.message : error.message),
    );
    expect(refusal).toMatch(/certificate/i);
  });

  it('HTTPS: a certificate the agent does not trust is E_TLS_UNTRUSTED saying what to do, not a network failure', async () => {
    const refused = await getFromHub(plainFetch, `${httpsUrl}/device/v1/config`, 'Basic x', AbortSignal.timeout(5_000)).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(AgentError);
    expect(refused).toMatchObject({ code: 'E_TLS_UNTRUSTED', transient: true });
    expect((refused as AgentError).message).toMatch(/the hub's TLS certificate is not trusted \(unable to verify the first certificate, UNABLE_TO_VERIFY_LEAF_SIGNATURE\): .*EDGEFLEET_CA_FILE/);
    // A hub that is not there stays a network failure.
    const closed = await getFromHub(plainFetch, 'https://127.0.0.1:1/device/v1/config', 'Basic x', AbortSignal.timeout(5_000)).catch((error: unknown) => error);
    expect(closed).toMatchObject({ code: 'E_DOWNLOAD_FAILED' });
  });

  /** Resolves 'connected' on the first connect, or the first error's message ('untrusted: ...' for a certificate). */
  function linkOutcome(ca: readonly string[] | null): { link: MqttLink; outcome: Promise<string> } {
    let settle: (value: string) => void = () => {};
    const outcome = new Promise<string>((resolve) => (settle = resolve));
    const link = connectMqttLink({
      brokerUrl: mqttsUrl,
      deviceId: 'dev-tls',
      secret: 'tls-secret',
      reconnectPeriodMs: 60_000,
      refusedReconnectPeriodMs: 60_000,
      ca,
      logger: { ...SILENT_LOGGER, warn: (_message, fields) => settle(String((fields?.error as Error | undefined)?.message)) },
      onDesired: () => {},
      onTrust: () => {},
      onConnect: () => settle('connected'),
      onDisconnect: () => {},
      onRefused: (how) => settle(how),
      onUntrusted: (message) => settle(`untrusted: ${message}`),
      onError: () => {},
    });
    return { link, outcome };
  }

  it('mqtts://: connects with the CA, refused without it', async () => {
    const trusted = linkOutcome(caCertificates(certs.caPem, 'test CA'));
    expect(await trusted.outcome).toBe('connected');
    expect(trusted.link.connected()).toBe(true);
    await trusted.link.close();

    const untrusted = linkOutcome(null);
    expect(await untrusted.outcome).toMatch(/^untrusted: the broker mqtts:\/\/127\.0\.0\.1:\d+'s TLS certificate is not trusted \(.*UNABLE_TO_VERIFY_LEAF_SIGNATURE\): .*EDGEFLEET_CA_FILE/);
    expect(untrusted.link.connected()).toBe(false);
    await untrusted.link.close();
  });
});
