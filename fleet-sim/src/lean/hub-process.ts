/**
 * Starts, restarts and stops a hub in a child process (hub-child.ts), on fixed ports after its
 * first start so a restarted hub has the same URLs (scenario action `restart-hub`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CHILD = fileURLToPath(new URL('./hub-child.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

type Reply = { urls: { httpUrl: string; mqttUrl: string } } | { stopped: true } | { error: string };

export class HubProcess {
  httpUrl = '';
  mqttUrl = '';
  private child: ChildProcess | null = null;
  private ports = { httpPort: 0, mqttPort: 0 };

  constructor(
    private readonly dataDir: string,
    readonly adminToken: string,
  ) {}

  async start(): Promise<void> {
    const child = fork(CHILD, [], { execArgv: ['--import', TSX], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`hub process exited (${code})`)));
      child.once('message', (m) => (m === 'ready' ? resolve() : reject(new Error(`hub process said ${JSON.stringify(m)}`))));
    });
    const reply = await this.ask({ start: { dataDir: this.dataDir, ...this.ports, adminToken: this.adminToken } });
    if (!('urls' in reply)) throw new Error(`hub did not start: ${JSON.stringify(reply)}`);
    ({ httpUrl: this.httpUrl, mqttUrl: this.mqttUrl } = reply.urls);
    this.ports = { httpPort: Number(new URL(this.httpUrl).port), mqttPort: Number(new URL(this.mqttUrl).port) };
  }

  /** Stops the hub (closing its listeners and database) and its process. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await this.ask({ stop: true }, child).catch(() => undefined);
    child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private ask(message: object, child = this.child): Promise<Reply> {
    if (!child) return Promise.reject(new Error('no hub process'));
    return new Promise((resolve, reject) => {
      child.once('message', (reply) => resolve(reply as Reply));
      child.once('exit', (code) => reject(new Error(`hub process exited (${code})`)));
      child.send(message);
    });
  }
}
