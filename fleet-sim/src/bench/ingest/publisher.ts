/**
 * The parent's handle on the publisher process (publisher-process.ts): forks it and turns its IPC
 * replies into promises, one request at a time.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, DeviceCredentials, ParentMessage } from './messages';

const PUBLISHER_PROCESS = fileURLToPath(new URL('./publisher-process.ts', import.meta.url));

export class Publisher {
  private readonly child: ChildProcess;
  private waiting: ((message: ChildMessage) => void) | null = null;

  constructor() {
    this.child = fork(PUBLISHER_PROCESS, [], { execArgv: ['--import', import.meta.resolve('tsx')], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message: ChildMessage) => this.waiting?.(message));
  }

  private request(message: ParentMessage): Promise<ChildMessage> {
    return new Promise((resolveReply, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`publisher process exited (${code})`));
      this.child.once('exit', onExit);
      this.waiting = (reply) => {
        this.child.off('exit', onExit);
        this.waiting = null;
        resolveReply(reply);
      };
      this.child.send(message);
    });
  }

  async connect(url: string, devices: DeviceCredentials[], template: string, inflight: number, verbose: boolean): Promise<void> {
    const reply = await this.request({ type: 'connect', url, devices, template, inflight, verbose });
    if (reply.type !== 'connected' || reply.failed > 0) throw new Error(`publisher: ${reply.type === 'connected' ? reply.failed : '?'} devices could not connect`);
  }

  async storm(seq: number): Promise<Extract<ChildMessage, { type: 'stormed' }>> {
    const reply = await this.request({ type: 'storm', seq });
    if (reply.type !== 'stormed') throw new Error('publisher: unexpected reply');
    return reply;
  }

  async run(run: string, perDevice: number, ratePerSecond: number | null = null, seconds: number | null = null): Promise<Extract<ChildMessage, { type: 'done' }>> {
    const reply = await this.request({ type: 'run', run, perDevice, ratePerSecond, seconds });
    if (reply.type !== 'done') throw new Error('publisher: unexpected reply');
    return reply;
  }

  close(): Promise<void> {
    return new Promise((resolveClose) => {
      if (this.child.exitCode !== null) return resolveClose();
      this.child.once('exit', () => resolveClose());
      this.child.disconnect();
    });
  }
}
