/**
 * Builds the installable agent: src/main.ts and everything it imports (the workspace packages,
 * mqtt, hono, zod, undici) bundled by esbuild into one ESM file for Node 20, with onnxruntime-node
 * left out (native: installed beside it as the package's one dependency). The systemd unit and
 * env file example ride along under dist/deploy so a device has them after `npm install`, and the
 * bundled packages' licence notices in dist/THIRD_PARTY_LICENSES.txt (licenses.ts). Built
 * into a fresh directory beside dist, fsynced and renamed into place: an interrupted build never
 * leaves half a dist behind.
 */
import { chmod, copyFile, mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { LICENSES_FILE, thirdPartyNotices } from './licenses';

const AGENT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REPO_ROOT = join(AGENT_ROOT, '..');
export const DEFAULT_DIST_DIR = join(AGENT_ROOT, 'dist');
/** the package's `bin` (package.json), relative to the agent folder */
export const BIN_FILE = 'edgefleet-agent.js';
/** packages that stay imports in the bundle: native code, installed as dependencies */
export const EXTERNAL = ['onnxruntime-node'];
const DEPLOY_FILES = ['edgefleet-agent.service', 'agent.env.example'];
/**
 * Plain-JS child entries, shipped beside the bundle as they are: the bundle finds them next to
 * itself (new URL('./<name>', import.meta.url)), as the sources do next to theirs.
 */
const CHILD_FILES = [join('src', 'adapters', 'probe-sandbox-child.mjs')];

// CommonJS packages inside an ESM bundle call require() for Node's builtins; ESM has none.
const BANNER = ['#!/usr/bin/env node', "import { createRequire as __edgefleetCreateRequire } from 'node:module';", 'const require = __edgefleetCreateRequire(import.meta.url);'].join('\n');

export interface AgentBuild {
  dir: string;
  /** the executable, dir/edgefleet-agent.js */
  bin: string;
  bytes: number;
  ms: number;
}

export async function buildAgent(outDir = DEFAULT_DIST_DIR): Promise<AgentBuild> {
  const started = Date.now();
  const staging = `${outDir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(join(staging, 'deploy'), { recursive: true });
  try {
    const built = await build({
      absWorkingDir: REPO_ROOT,
      metafile: true,
      entryPoints: [join(AGENT_ROOT, 'src', 'main.ts')],
      outfile: join(staging, BIN_FILE),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      external: EXTERNAL,
      banner: { js: BANNER },
      // Readable stack traces in a device's journal matter more than a few hundred KiB.
      minify: false,
      legalComments: 'eof',
      logLevel: 'warning',
    });
    await chmod(join(staging, BIN_FILE), 0o755);
    await writeFile(join(staging, LICENSES_FILE), (await thirdPartyNotices(Object.keys(built.metafile.inputs).map((input) => resolve(REPO_ROOT, input)))).text);
    for (const file of CHILD_FILES) await copyFile(join(AGENT_ROOT, file), join(staging, basename(file)));
    for (const file of DEPLOY_FILES) await copyFile(join(REPO_ROOT, 'deploy', 'agent', file), join(staging, 'deploy', file));
    for (const file of [BIN_FILE, LICENSES_FILE, ...CHILD_FILES.map((name) => basename(name)), ...DEPLOY_FILES.map((name) => join('deploy', name))]) await fsync(join(staging, file));
    await fsync(join(staging, 'deploy'));
    await fsync(staging);
    await replaceDir(staging, outDir);
    await fsync(dirname(outDir));
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  const bin = join(outDir, BIN_FILE);
  return { dir: outDir, bin, bytes: (await stat(bin)).size, ms: Date.now() - started };
}

/**
 * Swaps the new build in. Two builds at once (a test packing while a doc example does) can both
 * get between the removal and the rename: the loser tries again, and either build is the same.
 */
async function replaceDir(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await rm(to, { recursive: true, force: true });
    try {
      await rename(from, to);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (attempt >= 4 || (code !== 'ENOTEMPTY' && code !== 'EEXIST')) throw error;
    }
  }
}

async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

