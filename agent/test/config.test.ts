import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { rootCertificates } from 'node:tls';
import { agentOptionsFromEnv, MAX_SECRET_FILE_BYTES } from '../src/adapters/env-files';
import { defaultDataDir, parseAgentEnv, resolveOptions } from '../src/config';

const env = {
  EDGEFLEET_HUB_URL: 'http://127.0.0.1:8080',
  EDGEFLEET_DEVICE_ID: 'edge-01',
  EDGEFLEET_DEVICE_SECRET: 'top-secret',
};

/** The message of what `run` throws, or '' when it does not. */
async function refusal(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

describe('agent environment', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agent-config-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const file = async (name: string, content: string, mode = 0o600): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, content);
    await chmod(path, mode);
    return path;
  };

  it('applies the documented defaults (a per-user data dir, the same from any working directory)', async () => {
    expect(await agentOptionsFromEnv(env, dir)).toEqual({
      options: { hubUrl: env.EDGEFLEET_HUB_URL, deviceId: 'edge-01', deviceSecret: 'top-secret', dataDir: join(homedir(), '.local', 'state', 'edgefleet-agent'), port: 8181 },
      warnings: [],
    });
    // A relative EDGEFLEET_AGENT_DATA_DIR is still taken, made absolute for the log and the status.
    expect((await agentOptionsFromEnv({ ...env, EDGEFLEET_AGENT_DATA_DIR: './agent-data' })).options.dataDir).toBe(resolve('./agent-data'));
  });

  it('puts the default data dir under XDG_STATE_HOME when it is absolute, and under LOCALAPPDATA on Windows', () => {
    expect(defaultDataDir({ XDG_STATE_HOME: '/srv/state' }, 'linux')).toBe('/srv/state/edgefleet-agent');
    expect(defaultDataDir({ XDG_STATE_HOME: 'relative/state' }, 'linux')).toBe(join(homedir(), '.local', 'state', 'edgefleet-agent'));
    expect(defaultDataDir({}, 'darwin')).toBe(join(homedir(), '.local', 'state', 'edgefleet-agent'));
    expect(defaultDataDir({ LOCALAPPDATA: '/c/Users/op/AppData/Local' }, 'win32')).toBe(join('/c/Users/op/AppData/Local', 'edgefleet-agent'));
    expect(isAbsolute(parseAgentEnv({ ...env, XDG_STATE_HOME: '' }).options.dataDir)).toBe(true);
  });

  it('warns about a variable that looks like a misspelt one it reads, and lets other programs\' variables pass', async () => {
    const { options, warnings } = await agentOptionsFromEnv({ ...env, EDGEFLEET_AGENT_DATADIR: '/srv/agent', EDGEFLEET_CA_FIEL: '/etc/ca.pem', EDGEFLEET_HTTP_PORT: '8080', EDGEFLEET_TOKEN: 'x' });
    expect(warnings).toEqual(['ignoring variables the agent does not read: EDGEFLEET_AGENT_DATADIR (did you mean EDGEFLEET_AGENT_DATA_DIR?), EDGEFLEET_CA_FIEL (did you mean EDGEFLEET_CA_FILE?)']);
    expect(options.dataDir).toBe(defaultDataDir({}));
  });

  it("keeps using ./agent-data, the earlier agents' default, while it holds state and the new default does not", async () => {
    const cwd = join(dir, 'legacy-cwd');
    const stateHome = join(dir, 'legacy-state-home');
    await mkdir(join(cwd, 'agent-data'), { recursive: true });
    await writeFile(join(cwd, 'agent-data', 'state.json'), '{}');
    const upgraded = await agentOptionsFromEnv({ ...env, XDG_STATE_HOME: stateHome }, cwd);
    expect(upgraded.options.dataDir).toBe(join(cwd, 'agent-data'));
    expect(upgraded.warnings).toEqual([
      `using the state in ${join(cwd, 'agent-data')} (the default data dir of earlier agents, relative to the working directory): move it to ${join(stateHome, 'edgefleet-agent')} or set EDGEFLEET_AGENT_DATA_DIR=${join(cwd, 'agent-data')}`,
    ]);
    // An explicit data dir wins, and so does state already in the new default.
    expect((await agentOptionsFromEnv({ ...env, XDG_STATE_HOME: stateHome, EDGEFLEET_AGENT_DATA_DIR: '/srv/agent' }, cwd)).options.dataDir).toBe('/srv/agent');
    await mkdir(join(stateHome, 'edgefleet-agent'), { recursive: true });
    await writeFile(join(stateHome, 'edgefleet-agent', 'state.json'), '{}');
    expect(await agentOptionsFromEnv({ ...env, XDG_STATE_HOME: stateHome }, cwd)).toMatchObject({ options: { dataDir: join(stateHome, 'edgefleet-agent') }, warnings: [] });
  });

  it('reads the optional variables, treating empty ones as unset', async () => {
    const { options } = await agentOptionsFromEnv({ ...env, EDGEFLEET_BROKER_URL: 'mqtt://hub:1883', EDGEFLEET_AGENT_DATA_DIR: '/var/lib/ef', EDGEFLEET_AGENT_PORT: '0' });
    expect(options).toMatchObject({ brokerUrl: 'mqtt://hub:1883', dataDir: '/var/lib/ef', port: 0 });
    expect((await agentOptionsFromEnv({ ...env, EDGEFLEET_BROKER_URL: '', EDGEFLEET_AGENT_PORT: '', EDGEFLEET_CA_FILE: '' })).options).toMatchObject({ port: 8181 });
    // Batch jobs: where their files live, and how often they checkpoint (a tuning value).
    const batch = await agentOptionsFromEnv({ ...env, EDGEFLEET_AGENT_BATCH_DIR: '/srv/batch', EDGEFLEET_AGENT_BATCH_CHECKPOINT_MS: '250' });
    expect(batch.options).toMatchObject({ batchDir: '/srv/batch', tuning: { batchCheckpointMs: 250 } });
    await expect(agentOptionsFromEnv({ ...env, EDGEFLEET_AGENT_BATCH_CHECKPOINT_MS: '-1' })).rejects.toThrow(/EDGEFLEET_AGENT_BATCH_CHECKPOINT_MS/);
  });

  it("defaults the data dir to systemd's StateDirectory (the first one), an explicit one wins", () => {
    expect(parseAgentEnv({ ...env, STATE_DIRECTORY: '/var/lib/edgefleet-agent' }).options.dataDir).toBe('/var/lib/edgefleet-agent');
    expect(parseAgentEnv({ ...env, STATE_DIRECTORY: '/var/lib/a:/var/lib/b' }).options.dataDir).toBe('/var/lib/a');
    expect(parseAgentEnv({ ...env, STATE_DIRECTORY: '/var/lib/a', EDGEFLEET_AGENT_DATA_DIR: '/srv/agent' }).options.dataDir).toBe('/srv/agent');
  });

  it('reads the secret from EDGEFLEET_DEVICE_SECRET_FILE, trimmed, and warns when others may read it', async () => {
    const { EDGEFLEET_DEVICE_SECRET: _, ...withoutSecret } = env;
    const privateFile = await file('secret', '  s3cret-from-file\n');
    expect(await agentOptionsFromEnv({ ...withoutSecret, EDGEFLEET_DEVICE_SECRET_FILE: privateFile })).toMatchObject({ options: { deviceSecret: 's3cret-from-file' }, warnings: [] });

    const openFile = await file('open-secret', 's3cret-from-file\n', 0o644);
    const { options, warnings } = await agentOptionsFromEnv({ ...withoutSecret, EDGEFLEET_DEVICE_SECRET_FILE: openFile });
    expect(options.deviceSecret).toBe('s3cret-from-file');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('EDGEFLEET_DEVICE_SECRET_FILE');
    expect(warnings[0]).toContain('0644');
    expect(warnings[0]).not.toContain('s3cret');
  });

  it('refuses a secret file that is missing, empty, a directory, multi-line or too large, naming the variable and never the contents', async () => {
    const { EDGEFLEET_DEVICE_SECRET: _, ...withoutSecret } = env;
    const cases: Array<[string, string]> = [
      [join(dir, 'absent'), 'does not exist'],
      [await file('empty', ' \n'), 'is empty'],
      [dir, 'not a regular file'],
      [await file('two-lines', 'first-line-secret\nsecond-line\n'), 'more than one line'],
      [await file('huge', 'x'.repeat(MAX_SECRET_FILE_BYTES + 1)), `at most ${MAX_SECRET_FILE_BYTES}`],
    ];
    for (const [path, why] of cases) {
      const message = await refusal(() => agentOptionsFromEnv({ ...withoutSecret, EDGEFLEET_DEVICE_SECRET_FILE: path }));
      expect(message, path).toContain('EDGEFLEET_DEVICE_SECRET_FILE');
      expect(message, path).toContain(why);
      expect(message, path).not.toContain('first-line-secret');
    }
  });

  it('wants exactly one of EDGEFLEET_DEVICE_SECRET and EDGEFLEET_DEVICE_SECRET_FILE', async () => {
    const { EDGEFLEET_DEVICE_SECRET: _, ...withoutSecret } = env;
    expect(await refusal(() => agentOptionsFromEnv(withoutSecret))).toContain('EDGEFLEET_DEVICE_SECRET or EDGEFLEET_DEVICE_SECRET_FILE is required');
    const both = await refusal(async () => agentOptionsFromEnv({ ...env, EDGEFLEET_DEVICE_SECRET_FILE: await file('both', 'x') }));
    expect(both).toContain('both set');
    expect(both).not.toContain('top-secret');
  });

  it('reads EDGEFLEET_CA_FILE as PEM certificates and refuses a file without one', async () => {
    const bundle = rootCertificates.slice(0, 2).join('\n');
    expect((await agentOptionsFromEnv({ ...env, EDGEFLEET_CA_FILE: await file('ca.pem', bundle, 0o644) })).options.ca).toBe(bundle);
    expect(await refusal(async () => agentOptionsFromEnv({ ...env, EDGEFLEET_CA_FILE: await file('not-ca.pem', 'hello') }))).toMatch(/EDGEFLEET_CA_FILE: .*not-ca\.pem: no PEM certificate/);
    const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expect(await refusal(async () => agentOptionsFromEnv({ ...env, EDGEFLEET_CA_FILE: await file('broken.pem', broken) }))).toContain('certificate 1 does not parse');
    expect(await refusal(() => agentOptionsFromEnv({ ...env, EDGEFLEET_CA_FILE: join(dir, 'nope.pem') }))).toContain('EDGEFLEET_CA_FILE');
  });

  it('checks an in-process `ca` option the same way, and keeps each certificate of a bundle', () => {
    const base = { hubUrl: 'https://hub', deviceId: 'edge-01', deviceSecret: 'top-secret', dataDir: dir };
    expect(resolveOptions({ ...base, ca: Buffer.from(rootCertificates.slice(0, 3).join('\n')) }).ca).toHaveLength(3);
    expect(resolveOptions(base).ca).toBeNull();
    expect(() => resolveOptions({ ...base, ca: 'not a certificate' })).toThrow(/ca: no PEM certificate/);
  });

  const bad: Array<[string, NodeJS.ProcessEnv]> = [
    ['EDGEFLEET_HUB_URL', { ...env, EDGEFLEET_HUB_URL: 'ftp://x' }],
    ['EDGEFLEET_HUB_URL', { ...env, EDGEFLEET_HUB_URL: undefined }],
    ['EDGEFLEET_DEVICE_ID', { ...env, EDGEFLEET_DEVICE_ID: 'a/b' }],
    ['EDGEFLEET_DEVICE_SECRET', { ...env, EDGEFLEET_DEVICE_SECRET: undefined }],
    ['EDGEFLEET_AGENT_PORT', { ...env, EDGEFLEET_AGENT_PORT: '70000' }],
    ['EDGEFLEET_BROKER_URL', { ...env, EDGEFLEET_BROKER_URL: 'http://hub' }],
  ];
  for (const [variable, input] of bad) {
    it(`names ${variable} when it is wrong, without echoing the secret`, async () => {
      const message = await refusal(() => agentOptionsFromEnv(input));
      expect(message).toContain(variable);
      expect(message).not.toContain('top-secret');
    });
  }
});
