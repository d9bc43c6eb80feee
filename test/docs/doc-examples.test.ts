/**
 * The README's and docs' shell examples, run as written, in order, against the hub and agent the
 * README itself starts (test/support/doc-blocks.ts says how a block is marked, doc-shell.ts how it
 * runs). An example that stops working fails here.
 *
 * What the test changes, and only this: the documented ports (8080, 1883, 8181, ...) become free
 * ones (in `host:port` and `..._PORT=` forms, and through EDGEFLEET_HTTP_PORT / _MQTT_PORT /
 * _AGENT_PORT for commands that use the defaults), HOME is a temp dir, and curl fails on an HTTP
 * error unless the block is marked to show one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { shellBlocks, withPorts, type DocBlock } from '../support/doc-blocks';
import { DocShell } from '../support/doc-shell';
import { headingAnchors } from '../support/doc-links';
import { tempDir } from '../support/harness';
import { freePort } from '../support/process';

const repoRoot = resolve(import.meta.dirname, '..', '..');

/** The reading order: the README's walkthrough first, then each doc (later ones may use what earlier ones made). */
const DOC_FILES = [
  'README.md',
  'docs/cli.md',
  'docs/agent.md',
  'docs/models.md',
  'docs/training.md',
  'docs/rollouts.md',
  'docs/monitoring.md',
  'docs/api.md',
  'docs/web-runtime.md',
  'docs/tls.md',
  'docs/keys.md',
  'docs/operations.md',
  'docs/protocol.md',
  'docs/drift.md',
  'docs/scaling.md',
  'docs/threats.md',
  'docs/contract.md',
];
const DOCUMENTED_PORTS = [8080, 1883, 8181, 8282, 8443, 8883];

async function blocksOf(file: string): Promise<DocBlock[]> {
  return shellBlocks(file, await readFile(join(repoRoot, file), 'utf8'));
}

describe('documentation', () => {
  it('lists every doc, parses every directive, and every block is valid bash', async () => {
    const docs = (await readdir(join(repoRoot, 'docs'))).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`);
    expect(docs.filter((file) => !DOC_FILES.includes(file)), 'docs missing from DOC_FILES (give them a place in the reading order)').toEqual([]);
    for (const file of DOC_FILES.filter((name) => existsSync(join(repoRoot, name)))) {
      for (const block of await blocksOf(file)) {
        try {
          execFileSync('bash', ['-n'], { input: block.code, stdio: ['pipe', 'ignore', 'pipe'] });
        } catch (error) {
          throw new Error(`${file}:${block.line}: not valid bash: ${String((error as { stderr?: Buffer }).stderr ?? error)}`);
        }
      }
    }
  });

  it('links only to files in the repository, each exists, and each #anchor is a heading there', async () => {
    const broken: string[] = [];
    for (const file of DOC_FILES.filter((name) => existsSync(join(repoRoot, name)))) {
      const text = await readFile(join(repoRoot, file), 'utf8');
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const [target = '', anchor] = (match[1] ?? '').split('#');
        if (/^[a-z]+:/i.test(target)) continue;
        const path = target === '' ? join(repoRoot, file) : resolve(repoRoot, dirname(file), target);
        if (relative(repoRoot, path).startsWith('..') || !existsSync(path)) broken.push(`${file}: ${match[1]}`);
        else if (anchor !== undefined && path.endsWith('.md') && !headingAnchors(await readFile(path, 'utf8')).has(anchor)) broken.push(`${file}: ${match[1]} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('documentation examples, run as written', () => {
  let shell: DocShell;
  let dir: { path: string; remove(): Promise<void> };
  const ports = new Map<number, number>();

  beforeAll(async () => {
    dir = await tempDir('doc-examples-');
    for (const port of DOCUMENTED_PORTS) ports.set(port, await freePort());
    shell = await DocShell.create({
      repoRoot,
      dir: dir.path,
      env: {
        EDGEFLEET_HTTP_PORT: String(ports.get(8080)),
        EDGEFLEET_MQTT_PORT: String(ports.get(1883)),
        EDGEFLEET_AGENT_PORT: String(ports.get(8181)),
      },
    });
  });
  afterAll(async () => {
    await shell?.close();
    await dir?.remove();
  });

  for (const file of DOC_FILES) {
    it(`${file}`, { timeout: 15 * 60_000 }, async () => {
      if (!existsSync(join(repoRoot, file))) throw new Error(`${file} is in the reading order but does not exist`);
      for (const block of await blocksOf(file)) {
        const where = `${file}:${block.line}`;
        const code = withPorts(block.code, ports);
        const { directive } = block;
        if (directive.kind === 'skip') continue;
        const result =
          directive.kind === 'background'
            ? await shell.background(code, withPorts(directive.readyUrl, ports))
            : await shell.run(code, { allowHttpErrors: directive.kind === 'allow-http-errors' });
        if (result.exitCode !== 0) throw new Error(`${where}: the example failed (exit ${result.exitCode})\n--- block ---\n${block.code}\n--- output (last 4000 chars) ---\n${result.output.slice(-4000)}`);
      }
    });
  }
});
