/**
 * What an operator reads to configure a device agent says the same as what the agent reads: every
 * variable it takes is in `--help`, in docs/agent.md's configuration table and in the env file
 * example the package ships, and none of them names a variable it does not read. The systemd unit
 * runs the bin the package declares, as a user of its own, with its state in the directory the
 * env example and docs name, its settings from that env file and the secret from a file.
 */
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AGENT_SETTING_NAMES } from '../src/config';
import { USAGE } from '../src/usage';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const read = (path: string) => readFile(resolve(repoRoot, path), 'utf8');
const namesIn = (text: string): Set<string> => new Set(text.match(/EDGEFLEET_[A-Z0-9_]*[A-Z0-9]/g) ?? []);

/** `Key=value` lines of a unit file, by key (a key given twice keeps every value). */
function unitSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) settings.set(match[1] as string, [...(settings.get(match[1] as string) ?? []), match[2] as string]);
  }
  return settings;
}

describe('the agent settings as documented and shipped', () => {
  it('every variable the agent reads is in --help, the docs table and the env example; none of them names another', async () => {
    const docs = await read('docs/agent.md');
    const section = docs.slice(docs.indexOf('## Configuration'), docs.indexOf('## TLS'));
    const table = new Set([...section.matchAll(/^\| `(EDGEFLEET_[A-Z0-9_]+)` \|/gm)].map((match) => match[1] as string));
    const example = namesIn(await read('deploy/agent/agent.env.example'));
    const help = namesIn(USAGE);
    const reads = [...AGENT_SETTING_NAMES].sort();
    expect([...table].sort()).toEqual(reads);
    expect([...help].sort()).toEqual(reads);
    expect([...example].sort()).toEqual(reads);
  });

  it('the env example sets the required ones and leaves the secret to the unit', async () => {
    const lines = (await read('deploy/agent/agent.env.example')).split('\n');
    const set = lines.filter((line) => /^EDGEFLEET_/.test(line)).map((line) => line.slice(0, line.indexOf('=')));
    expect(set).toEqual(['EDGEFLEET_HUB_URL', 'EDGEFLEET_DEVICE_ID']);
    // EnvironmentFile= takes KEY=value lines as they are: no quotes, no `export`.
    expect(lines.filter((line) => /^#?EDGEFLEET_/.test(line) && /^#?\w+=["']|^export /.test(line))).toEqual([]);
  });

  it("the unit runs the package's bin as its own user, state in /var/lib/edgefleet-agent, settings and secret from files", async () => {
    const unit = unitSettings(await read('deploy/agent/edgefleet-agent.service'));
    const pkg = JSON.parse(await read('agent/package.json')) as { bin: Record<string, string> };
    const [binName] = Object.keys(pkg.bin);
    expect(unit.get('ExecStart')).toEqual([`/opt/edgefleet-agent/node_modules/.bin/${binName}`]);
    expect(unit.get('User')).toEqual(['edgefleet']);
    expect(unit.get('StateDirectory')).toEqual(['edgefleet-agent']);
    expect(unit.get('StateDirectoryMode')).toEqual(['0700']);
    expect(unit.get('EnvironmentFile')).toEqual(['/etc/edgefleet/agent.env']);
    expect(unit.get('LoadCredential')).toEqual(['device-secret:/etc/edgefleet/device-secret']);
    expect(unit.get('Environment')).toEqual(['EDGEFLEET_DEVICE_SECRET_FILE=%d/device-secret']);
    expect(unit.get('Restart')).toEqual(['on-failure']);
    // main.ts exits 2 on a configuration it cannot start with: restarting would not fix it.
    expect(unit.get('RestartPreventExitStatus')).toEqual(['2']);
    for (const [key, value] of [['NoNewPrivileges', 'yes'], ['ProtectSystem', 'strict'], ['ProtectHome', 'yes'], ['PrivateTmp', 'yes'], ['CapabilityBoundingSet', '']] as const) {
      expect(unit.get(key), key).toEqual([value]);
    }
    const example = await read('deploy/agent/agent.env.example');
    expect(example).toContain('#EDGEFLEET_AGENT_DATA_DIR=/var/lib/edgefleet-agent');
    expect(await read('docs/agent.md')).toContain('/var/lib/edgefleet-agent');
  });
});
