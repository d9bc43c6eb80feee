/**
 * `edgefleet tokens` through the real bin against a real hub: an admin creates a read-only token
 * (shown once, or written to a 0600 file), lists it (never the secret), a CLI logged in with it
 * reads but is refused a rollout with exit 3 and the scope named; rotating refuses the old secret
 * at once (and a token file that cannot take the new one names the token to rotate again);
 * revoking ends it; a token that is not admin cannot manage tokens.
 */
import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, loggedIn, runCli, startCliHub, type CliEnv, type CliHub } from './support/cli';

interface TokenView {
  id: string;
  name: string;
  scope: string;
  state: string;
  lastUsedAt: string | null;
}

// Each command is a process of its own (a few seconds each on a loaded 2-core machine).
describe('edgefleet tokens', { timeout: 240_000 }, () => {
  let h: CliHub;
  let admin: CliEnv;
  /** A CLI configured with `token` for the same hub. */
  const as = (token: string, name: string): CliEnv => ({ config: join(h.work, `${name}.json`), vars: { EDGEFLEET_HUB_URL: h.hub.httpUrl, EDGEFLEET_ADMIN_TOKEN: token } });

  beforeAll(async () => {
    h = await startCliHub();
    admin = await loggedIn(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('creates a read-only token shown once; it reads, and is refused a write with the scope named', async () => {
    const created = await runCli(admin, ['tokens', 'create', 'dashboard', '--scope', 'read']);
    expect(created.code, created.stderr).toBe(0);
    const [headline, token] = created.stdout.split('\n');
    expect(headline).toBe('Admin token dashboard created (shown once, the hub keeps only its hash):');
    expect(token).toMatch(/^efa_[A-Za-z0-9_-]{43}$/);
    expect(created.stdout).toMatch(/^scope +read$/m);

    const reader = as(token ?? '', 'reader');
    const list = await runCli(reader, ['devices', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const write = await runCli(reader, ['rings', 'set', 'canary', '--position', '0']);
    expect(write.code).toBe(3);
    expect(write.stderr).toContain('E_FORBIDDEN');
    expect(write.stderr).toContain('PUT /api/v1/rings/canary needs an admin token of scope operator; admin token dashboard has scope read');
    // Managing tokens needs admin.
    const denied = await runCli(reader, ['tokens', 'list']);
    expect(denied.code).toBe(3);
    expect(denied.stderr).toContain('scope admin');

    const listed = await runCli(admin, ['tokens', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^dashboard +read +active /m);
    expect(listed.stdout).not.toContain(token);
    const asJson = json<{ tokens: TokenView[] }>(await runCli(admin, ['tokens', 'list', '--json']));
    expect(asJson.tokens.find((t) => t.name === 'dashboard')).toMatchObject({ scope: 'read', state: 'active', lastUsedAt: expect.any(String) });
    expect(JSON.stringify(asJson)).not.toContain(token);
  });

  it('writes a token to a 0600 file, rotates it (the old one is refused at once) and revokes it by name', async () => {
    const file = join(h.work, 'ci.token');
    const created = await runCli(admin, ['tokens', 'create', 'ci', '--scope', 'operator', '--ttl', '30d', '--token-file', file, '--json']);
    expect(created.code, created.stderr).toBe(0);
    expect(json<Record<string, unknown>>(created)).toMatchObject({ name: 'ci', scope: 'operator', tokenFile: file });
    expect(created.stdout).not.toContain('efa_');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const first = (await readFile(file, 'utf8')).trim();
    expect((await runCli(as(first, 'ci-1'), ['rollouts', 'list'])).code).toBe(0);

    const rotated = await runCli(admin, ['tokens', 'rotate', 'ci', '--token-file', file]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain(`Admin token ci rotated: it is in ${file} (mode 0600).`);
    const second = (await readFile(file, 'utf8')).trim();
    expect(second).not.toBe(first);
    const old = await runCli(as(first, 'ci-old'), ['rollouts', 'list']);
    expect(old.code).toBe(3);
    expect(old.stderr).toContain('E_UNAUTHORIZED');
    expect((await runCli(as(second, 'ci-2'), ['rollouts', 'list'])).code).toBe(0);

    // The hub rotates, then the file cannot take the new secret (a directory is in the way): no
    // temp file keeps it, nothing prints it, and the error names the token to rotate again.
    const id = json<{ tokens: TokenView[] }>(await runCli(admin, ['tokens', 'list', '--json'])).tokens.find((t) => t.name === 'ci')?.id ?? '';
    const inTheWay = join(h.work, 'in-the-way');
    await mkdir(inTheWay);
    const before = await readdir(h.work);
    const lost = await runCli(admin, ['tokens', 'rotate', 'ci', '--token-file', inTheWay]);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toContain(`E_FAILED Admin token ci (id ${id}) was rotated (its old secret no longer works), but ${inTheWay} could not be written (EISDIR)`);
    expect(lost.stderr).toContain(`Rotate it again: edgefleet tokens rotate ${id} --token-file <path>`);
    expect(lost.stdout + lost.stderr).not.toContain('efa_');
    expect(await readdir(h.work)).toEqual(before);
    expect((await runCli(as(second, 'ci-lost'), ['rollouts', 'list'])).code).toBe(3);
    expect((await runCli(admin, ['tokens', 'rotate', id, '--token-file', file])).code).toBe(0);
    const third = (await readFile(file, 'utf8')).trim();
    expect((await runCli(as(third, 'ci-3'), ['rollouts', 'list'])).code).toBe(0);

    const revoked = await runCli(admin, ['tokens', 'revoke', 'ci']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toBe('Admin token ci (operator) is revoked.\n');
    expect((await runCli(as(third, 'ci-4'), ['rollouts', 'list'])).code).toBe(3);
    const again = await runCli(admin, ['tokens', 'create', 'ci', '--scope', 'read']);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('E_CONFLICT');
  });

  it('names what is wrong with bad arguments', async () => {
    const badName = await runCli(admin, ['tokens', 'create', 'has space', '--scope', 'read']);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('is not a token name');
    const noScope = await runCli(admin, ['tokens', 'create', 'x']);
    expect(noScope.code).toBe(2);
    expect(noScope.stderr).toContain('--scope');
    const badScope = await runCli(admin, ['tokens', 'create', 'x', '--scope', 'root']);
    expect(badScope.code).toBe(2);
    const unknown = await runCli(admin, ['tokens', 'revoke', 'nobody']);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('no admin token is named nobody');
  });
});
