/**
 * A TypeScript module forked as a child process with tsx, driven by request/answer messages
 * over IPC (`{ id, cmd }` -> `{ id, result }`), after it announced itself with `{ ready }`.
 * The hub process (hub-process/) and the fleet benchmark's baseline broker and clients
 * (bench/raw-fleet/) run this way, so each one's CPU and memory are its own and each stays under
 * the per-process open-file limit.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface IpcChild<Ready> {
  ready: Ready;
  request(cmd: string): Promise<unknown>;
  /** resolves when the process has exited */
  exited: Promise<void>;
  kill(): Promise<void>;
}

export async function forkIpcChild<Ready>(moduleUrl: URL, env: Record<string, string>, execArgv: string[] = []): Promise<IpcChild<Ready>> {
  const child: ChildProcess = fork(fileURLToPath(moduleUrl), [], {
    execArgv: ['--import', TSX_LOADER, ...execArgv],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('error', reject);
    void exited.then(() => reject(new Error(`${moduleUrl.pathname} exited before it was ready`)));
    child.on('message', (message: unknown) => {
      if (typeof message === 'object' && message !== null && 'ready' in message) resolve(message.ready as Ready);
    });
  });
  let nextId = 1;
  const waiting = new Map<number, { resolve(result: unknown): void; reject(error: Error): void }>();
  void exited.then(() => {
    for (const pending of waiting.values()) pending.reject(new Error(`${moduleUrl.pathname} exited`));
    waiting.clear();
  });
  child.on('message', (message: unknown) => {
    if (typeof message !== 'object' || message === null || !('id' in message) || typeof message.id !== 'number') return;
    const pending = waiting.get(message.id);
    waiting.delete(message.id);
    pending?.resolve('result' in message ? message.result : null);
  });
  return {
    ready,
    exited,
    request: (cmd) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        child.send({ id, cmd }, (error) => {
          if (!error) return;
          waiting.delete(id);
          reject(error);
        });
      }),
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
