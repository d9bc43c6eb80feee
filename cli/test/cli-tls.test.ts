/**
 * The `edgefleet` bin against a hub that speaks only TLS with a certificate from a private CA
 * (made with openssl, as docs/tls.md does): without the CA the CLI says what to do about it (exit
 * 6, NODE_EXTRA_CA_CERTS) rather than "is the hub running?"; with NODE_EXTRA_CA_CERTS it logs in
 * and streams an upload over https; http:// to the TLS port says to use https://.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models } from '../../test/support/harness';
import { createTestCa, type TestCa } from '../../test/support/tls-certs';
import { json, runCli, startCliHub, type CliEnv, type CliHub } from './support/cli';

const firstLine = (text: string): string => text.split('\n')[0] ?? '';

describe('edgefleet over TLS', () => {
  let h: CliHub;
  let ca: TestCa;
  let env: CliEnv;
  let trusted: CliEnv;
  let certDir = '';

  beforeAll(async () => {
    certDir = await mkdtemp(join(tmpdir(), 'edgefleet-cli-tls-'));
    ca = await createTestCa(certDir);
    const server = await ca.issue('hub');
    h = await startCliHub({ tls: { cert: server.cert, key: server.key } });
    env = { config: join(h.work, 'config.json') };
    trusted = { ...env, vars: { NODE_EXTRA_CA_CERTS: ca.caFile } };
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  it('an untrusted certificate says how to trust it; with NODE_EXTRA_CA_CERTS login and an upload work over https', async () => {
    const url = h.hub.httpUrl;
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const token = join(h.dir, 'admin-token');

    const untrusted = await runCli(env, ['login', '--url', url, '--token-file', token]);
    expect(untrusted.code).toBe(6);
    expect(firstLine(untrusted.stderr)).toBe(`edgefleet: E_UNREACHABLE cannot reach the hub at ${url}: UNABLE_TO_VERIFY_LEAF_SIGNATURE`);
    expect(untrusted.stderr).toContain('NODE_EXTRA_CA_CERTS=<ca.crt>');
    expect(untrusted.stderr).not.toContain('Is the hub running?');

    const plain = await runCli(env, ['login', '--url', url.replace('https:', 'http:'), '--token-file', token]);
    expect(plain.code, plain.stderr).toBe(6);
    expect(plain.stderr).toContain('if it uses TLS, the URL starts with https://');

    const login = await runCli(trusted, ['login', '--url', url, '--token-file', token]);
    expect(login.code, login.stderr).toBe(0);
    // Uploads stream over node:https rather than fetch: the same CA applies.
    const probe = join(h.work, 'probe.json');
    await writeFile(probe, JSON.stringify({ input: { dims: [1, 512] }, sr: { dims: [], data: [16000] } }));
    const upload = await runCli(trusted, ['models', 'upload', 'vad', '1', models.sileroV5, '--probe', probe, '--json']);
    expect(upload.code, upload.stderr).toBe(0);
    expect(json<{ model: string; version: string }>(upload)).toMatchObject({ model: 'vad', version: '1' });
  }, 60_000);
});
