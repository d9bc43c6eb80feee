/**
 * vitest global setup: the admin console is built once per run into a temp dir (as `npm run build`
 * does), and the browser tests' hubs serve it from there (`consoleDir`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildConsole, stopConsoleBuilder } from '../../hub/src/console/build';

declare module 'vitest' {
  export interface ProvidedContext {
    /** the console built for this run */
    consoleDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const parent = await mkdtemp(join(tmpdir(), 'edgefleet-console-'));
  const built = await buildConsole(join(parent, 'console'));
  await stopConsoleBuilder();
  project.provide('consoleDir', built.dir);
  return () => rm(parent, { recursive: true, force: true });
}
