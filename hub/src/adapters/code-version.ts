/**
 * The code version recorded with every training run (lineage): the hub package version plus the
 * git commit of the checkout when there is one, or EDGEFLEET_CODE_VERSION when a build sets it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export async function readCodeVersion(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.EDGEFLEET_CODE_VERSION) return env.EDGEFLEET_CODE_VERSION;
  const pkg = JSON.parse(await readFile(join(repoRoot, 'hub', 'package.json'), 'utf8')) as { version?: string };
  const commit = await gitCommit(join(repoRoot, '.git')).catch(() => null);
  return commit ? `${pkg.version ?? '0.0.0'}+${commit.slice(0, 12)}` : (pkg.version ?? '0.0.0');
}

async function gitCommit(gitDir: string): Promise<string | null> {
  const head = (await readFile(join(gitDir, 'HEAD'), 'utf8')).trim();
  if (/^[0-9a-f]{40}$/.test(head)) return head;
  const ref = /^ref: (.+)$/.exec(head)?.[1];
  if (!ref) return null;
  try {
    return (await readFile(join(gitDir, ref), 'utf8')).trim();
  } catch {
    // Packed refs after `git gc`.
    const packed = await readFile(join(gitDir, 'packed-refs'), 'utf8');
    return packed.split('\n').find((line) => line.endsWith(` ${ref}`))?.split(' ')[0] ?? null;
  }
}
