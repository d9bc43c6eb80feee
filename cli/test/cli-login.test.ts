/**
 * The `edgefleet` bin against a real hub: login checks the token and stores the URL and token
 * 0600 (a wrong token says where the hub keeps its own), the environment overrides the file, and
 * every failure has its exit code (usage 2, auth 3, not found 4, conflict 5, unreachable 6) and
 * an `edgefleet: <code> <message>` line on stderr.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/process';
import { json, runCli, startCliHub, type CliEnv, type CliHub } from './support/cli';

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe('edgefleet: login and exit codes', () => {
  let h: CliHub;
  let env: CliEnv;

  beforeAll(async () => {
    h = await startCliHub();
    env = { config: join(h.work, 'config', 'config.json') };
  });
  afterAll(async () => {
    await h?.close();
  });

  it('login checks the token against the hub and stores it 0600 in a 0700 dir; a wrong one exits 3 saying where the hub keeps it', async () => {
    const wrong = await runCli(env, ['login', '--url', h.hub.httpUrl], { input: 'not-the-token\n' });
    expect(wrong.code, wrong.stderr).toBe(3);
    expect(wrong.stderr).toMatch(/^edgefleet: E_UNAUTHORIZED /);
    expect(wrong.stderr).toContain('<hub data dir>/admin-token');
    expect(wrong.stderr).toContain(`edgefleet login --url ${h.hub.httpUrl} --token-file`);
    await expect(stat(env.config)).rejects.toThrow(/ENOENT/);

    const notLoggedIn = await runCli(env, ['devices', 'list']);
    expect(notLoggedIn.code).toBe(3);
    expect(notLoggedIn.stderr).toMatch(/^edgefleet: E_NOT_LOGGED_IN not logged in/);

    const login = await runCli(env, ['login', '--url', `${h.hub.httpUrl}/`, '--token-file', join(h.dir, 'admin-token')]);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(`Logged in to ${h.hub.httpUrl}.`);
    expect((await stat(env.config)).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(env.config))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(env.config, 'utf8'))).toEqual({ url: h.hub.httpUrl, token: h.hub.adminToken });
    expect(login.stdout + login.stderr).not.toContain(h.hub.adminToken);

    const whoami = await runCli(env, ['whoami', '--json']);
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(json(whoami)).toEqual({ url: h.hub.httpUrl, urlFrom: env.config, tokenFrom: env.config, accepted: true });
    // The environment overrides the file, and a refusal says so: logging in again would not help.
    const overridden = await runCli({ ...env, vars: { EDGEFLEET_ADMIN_TOKEN: 'wrong' } }, ['whoami']);
    expect(overridden.code).toBe(3);
    expect(overridden.stderr).toContain('The token came from EDGEFLEET_ADMIN_TOKEN, which overrides the config file');
    expect(overridden.stderr).not.toContain('Log in again');

    // A token an Authorization header cannot carry is refused as such (not "cannot reach the hub"), without echoing it.
    const controlFile = join(h.work, 'control.token');
    await writeFile(controlFile, 'abc\u0001secret-part-of-the-token\n');
    const control = await runCli(env, ['login', '--url', h.hub.httpUrl, '--token-file', controlFile]);
    expect([control.code, lines(control.stderr)[0]]).toEqual([2, expect.stringMatching(/^edgefleet: E_USAGE --token-file .*: character 4 of the token is a control character/)]);
    expect(control.stderr).not.toContain('secret-part');
    // A config file that cannot be written is a path to fix (exit 2), not an internal error.
    const blocked = await runCli({ config: join(controlFile, 'config.json') }, ['login', '--url', h.hub.httpUrl, '--token-file', join(h.dir, 'admin-token')]);
    expect([blocked.code, lines(blocked.stderr)[0]]).toEqual([2, expect.stringMatching(new RegExp(`^edgefleet: E_CONFIG cannot write ${controlFile}/config\\.json: E`))]);

    const logout = await runCli(env, ['logout']);
    expect(logout.code).toBe(0);
    await expect(stat(env.config)).rejects.toThrow(/ENOENT/);
    // A token piped on stdin, as scripts do.
    const piped = await runCli(env, ['login', '--url', h.hub.httpUrl, '--json'], { input: `${h.hub.adminToken}\n` });
    expect(piped.code, piped.stderr).toBe(0);
    expect(json(piped)).toEqual({ url: h.hub.httpUrl, config: env.config });
  });

  it('exit codes: usage 2, not found 4, conflict 5, unreachable 6, each with edgefleet: <code> <message> on stderr', async () => {
    const unknownOption = await runCli(env, ['devices', 'list', '--bogus']);
    expect([unknownOption.code, lines(unknownOption.stderr)[0]]).toEqual([2, "edgefleet: E_USAGE unknown option '--bogus'"]);
    const badId = await runCli(env, ['devices', 'show', 'bad id']);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('is not a device id');
    const badJson = await runCli(env, ['train', 'start', '--dataset', 'abcdef', '--target', 'x', '--params', '{bad']);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(/--params .*not valid JSON/);
    // Each bad value names its option.
    const badSplit = await runCli(env, ['train', 'start', '--dataset', 'abcdef', '--target', 'x', '--split', '0.7,x,0.1']);
    expect([badSplit.code, lines(badSplit.stderr)[0]]).toEqual([2, expect.stringContaining("option '--split <train,validation,test>' argument '0.7,x,0.1' is invalid")]);
    // No command: the help is the answer (on stderr, exit 2), with no message of commander's own.
    const bare = await runCli(env, []);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: edgefleet');
    expect(bare.stderr).not.toContain('outputHelp');
    expect((await runCli(env, ['devices'])).stderr).not.toContain('outputHelp');
    const noYes = await runCli(env, ['devices', 'decommission', 'twice']);
    expect([noYes.code, noYes.stderr]).toEqual([2, expect.stringContaining('add --yes')]);

    const missing = await runCli(env, ['devices', 'show', 'nope']);
    expect([missing.code, missing.stderr]).toEqual([4, 'edgefleet: E_NOT_FOUND device nope not found\n']);
    expect((await runCli(env, ['devices', 'enrol', 'twice'])).code).toBe(0);
    const again = await runCli(env, ['devices', 'enrol', 'twice']);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/^edgefleet: E_CONFLICT /);

    const closed = await freePort();
    const down = await runCli({ ...env, vars: { EDGEFLEET_HUB_URL: `http://127.0.0.1:${closed}` } }, ['devices', 'list']);
    expect(down.code).toBe(6);
    expect(down.stderr).toMatch(new RegExp(`^edgefleet: E_UNREACHABLE cannot reach the hub at http://127.0.0.1:${closed}: ECONNREFUSED`));
    // An upload checks the label first: a hub that is down is exit 6 there too, before any byte is sent.
    const model = join(h.work, 'model.onnx');
    await writeFile(model, 'not sent');
    const uploadDown = await runCli({ ...env, vars: { EDGEFLEET_HUB_URL: `http://127.0.0.1:${closed}` } }, ['models', 'upload', 'm', '1', model]);
    expect([uploadDown.code, lines(uploadDown.stderr)[0]]).toEqual([6, `edgefleet: E_UNREACHABLE cannot reach the hub at http://127.0.0.1:${closed}: ECONNREFUSED`]);
  });
});
