/** What every command gets: the output, the clock, and the hub session (config file and environment, resolved on first use). */
import { homedir } from 'node:os';
import type { Hub } from './api';
import { configPath } from './config';
import type { Output } from './io';

export interface Ctx {
  readonly env: NodeJS.ProcessEnv;
  readonly out: Output;
  readonly configPath: string;
  now(): Date;
  /** the logged-in hub; a CliError (exit 3) when there is none */
  hub(): Promise<Hub>;
}

export function createCtx(env: NodeJS.ProcessEnv, out: Output): Ctx {
  const path = configPath(env, homedir());
  let hub: Promise<Hub> | undefined;
  return {
    env,
    out,
    configPath: path,
    now: () => new Date(),
    hub() {
      // Loaded here, not at start: `--help` and usage errors need no client.
      hub ??= Promise.all([import('./api'), import('./config'), import('./config-store')]).then(async ([api, config, store]) => api.connect(config.resolveSession(env, await store.readConfig(path), path)));
      return hub;
    },
  };
}
