import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { AGENT_VERSION } from '../src/version';

describe('agent version', () => {
  it('the version reported in state (agent.version) is the package version that `npm pack` names', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(AGENT_VERSION).toBe(pkg.version);
  });
});
