/**
 * `edgefleet keys` and `edgefleet trust` as an operator uses them: keys made offline, a first
 * trust document needing two root signatures signed by two holders in turn and verified; then,
 * against a real development hub, its root key moved offline, the next version built from the
 * hub's current one (a second root key, the release key rotated), signed, verified as a chain,
 * refused until the hub holds the new release key, and published.
 */
import { copyFile, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, loggedIn, runCli, startCliHub, type CliEnv, type CliHub } from './support/cli';

interface Verified {
  valid: boolean;
  files: Array<{ version: number; valid: boolean; tallies: Array<{ which: string; signed: string[]; met: boolean }>; error: { code: string } | null }>;
}

describe('edgefleet keys and trust', { timeout: 360_000 }, () => {
  let h: CliHub;
  let env: CliEnv;
  const at = (name: string) => join(h.work, name);
  const cli = (args: string[]) => runCli(env, args, { cwd: h.work });

  beforeAll(async () => {
    h = await startCliHub();
    env = await loggedIn(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('offline: creates keys, builds a 2-of-2 document, two holders sign it in turn, verify counts', async () => {
    const created = await cli(['keys', 'create', 'root-a.pem', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const { keyid } = json<{ keyid: string }>(created);
    expect((await stat(at('root-a.pem'))).mode & 0o777).toBe(0o600);
    expect((await readFile(at('root-a.pem'), 'utf8')).startsWith('-----BEGIN PRIVATE KEY-----')).toBe(true);
    const again = await cli(['keys', 'create', 'root-a.pem']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists already');
    expect((await cli(['keys', 'create', 'root-b.pem'])).code).toBe(0);
    expect((await cli(['keys', 'create', 'release-1.pem'])).code).toBe(0);
    const exported = await cli(['keys', 'public', 'root-a.pem', '--out', 'root-a.pub.pem', '--json']);
    expect(json<{ keyid: string; private: boolean }>(exported)).toMatchObject({ keyid, private: true });
    expect(json<{ keyid: string; private: boolean }>(await cli(['keys', 'public', 'root-a.pub.pem', '--json']))).toMatchObject({ keyid, private: false });

    // The builder needs only public keys of the root holders.
    const built = await cli(['trust', 'build', '--version', '1', '--root', 'root-a.pub.pem', '--root', 'root-b.pem', '--root-threshold', '2', '--release', 'release-1.pem', '--expires', '30d', '--out', 'trust-1.json']);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toContain('edgefleet trust sign trust-1.json --key');
    const unsigned = await cli(['trust', 'verify', 'trust-1.json']);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stdout).toContain('needs 2 more');

    expect((await cli(['trust', 'sign', 'trust-1.json', '--key', 'root-a.pem'])).code).toBe(0);
    const half = await cli(['trust', 'verify', 'trust-1.json', '--json']);
    expect(half.code).toBe(1);
    expect(json<Verified>(half).files[0]).toMatchObject({ valid: false, tallies: [{ which: 'own', signed: [keyid], met: false }], error: { code: 'E_SIG_UNTRUSTED' } });
    const publicOnly = await cli(['trust', 'sign', 'trust-1.json', '--key', 'root-a.pub.pem']);
    expect(publicOnly.code).toBe(2);
    expect(publicOnly.stderr).toContain('signing needs the private key file');

    expect((await cli(['trust', 'sign', 'trust-1.json', '--key', 'root-b.pem'])).code).toBe(0);
    const whole = await cli(['trust', 'verify', 'trust-1.json', '--json']);
    expect(whole.code, whole.stderr).toBe(0);
    expect(json<Verified>(whole)).toMatchObject({ valid: true, files: [{ version: 1, valid: true, tallies: [{ met: true }] }] });
  });

  it("online: the hub's root key moved offline, version 2 built from the hub's version 1, signed, verified, published", async () => {
    const shown = await cli(['trust', 'show', '--out', 'current.json', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const current = json<{ version: number; release: { keyids: string[] }; signingKeyids: string[] }>(shown);
    expect(current.version).toBe(1);
    // What docs/keys.md tells a development hub's operator: the root key leaves the hub.
    await rename(join(h.dir, 'keys', 'root.pem'), at('hub-root.pem'));

    expect((await cli(['keys', 'create', 'root-c.pem'])).code).toBe(0);
    const release2 = json<{ keyid: string }>(await cli(['keys', 'create', 'release-2.pem', '--json']));
    const build = await cli(['trust', 'build', '--from', 'current.json', '--add-root', 'root-c.pem', '--root-threshold', '2', '--remove-release', current.release.keyids[0] ?? '', '--add-release', 'release-2.pem', '--out', 'next.json']);
    expect(build.code, build.stderr).toBe(0);
    const wrongKey = await cli(['trust', 'sign', 'next.json', '--key', 'release-2.pem', '--previous', 'current.json']);
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.stderr).toContain('is a root key of neither version 2 nor version 1');
    for (const key of ['hub-root.pem', 'root-c.pem']) expect((await cli(['trust', 'sign', 'next.json', '--key', key, '--previous', 'current.json'])).code).toBe(0);
    const chain = await cli(['trust', 'verify', 'current.json', 'next.json', '--json']);
    expect(chain.code, chain.stdout).toBe(0);
    expect(json<Verified>(chain).files.map((f) => [f.version, f.valid])).toEqual([[1, true], [2, true]]);

    const early = await cli(['trust', 'publish', 'next.json']);
    expect(early.code).toBe(5);
    expect(early.stderr).toContain(`E_NO_RELEASE_KEY trust version 2 names release keys ${release2.keyid}`);
    expect(early.stderr).toContain(join(h.dir, 'keys', `release-${release2.keyid.slice(0, 16)}.pem`));
    await copyFile(at('release-2.pem'), join(h.dir, 'keys', `release-${release2.keyid.slice(0, 16)}.pem`));
    const published = await cli(['trust', 'publish', 'next.json']);
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toContain(`Published trust version 2 to ${h.hub.httpUrl}.`);
    expect((await cli(['trust', 'publish', 'next.json'])).stdout).toContain('was published already');

    const list = json<{ versions: Array<{ version: number }> }>(await cli(['trust', 'list', '--json']));
    expect(list.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(json<{ signingKeyids: string[]; root: { threshold: number } }>(await cli(['trust', 'show', '--json']))).toMatchObject({ signingKeyids: [release2.keyid], root: { threshold: 2 } });
    expect(h.hub.releaseKey.keyid).toBe(release2.keyid);
    // Version 3 skipping nothing but signed by one root of two: the hub refuses it.
    const build3 = await cli(['trust', 'build', '--from', 'next.json', '--out', 'v3.json']);
    expect(build3.code, build3.stderr).toBe(0);
    expect((await cli(['trust', 'sign', 'v3.json', '--key', 'root-c.pem'])).code).toBe(0);
    const refused = await cli(['trust', 'publish', 'v3.json']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/^edgefleet: E_ROOT_CHAIN trust version 3 is not signed by both root thresholds/);
  });
});
