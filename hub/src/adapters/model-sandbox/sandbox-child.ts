/**
 * One sandbox child process (child.mjs) and its limits. What protects what:
 *
 * - Linux: the child runs with its data segment capped (`ulimit -d`, RLIMIT_DATA: every private
 *   writable mapping: the heap, onnxruntime's arena, its mmaps), so an allocation past the limit
 *   fails inside onnxruntime and the child says so; the memory is never committed.
 * - Linux: a watchdog reads the child's resident memory from /proc every 50 ms and SIGKILLs it
 *   past the limit (what the rlimit does not count: shared or file-backed pages).
 * - Elsewhere: the child checks its own resident memory (best effort).
 * - Everywhere: each request has a deadline, and the child asks the kernel's OOM killer to pick
 *   it before the hub.
 * - Everywhere: a run's outputs are capped (OutputLimit): the child refuses to send more.
 *
 * A request the model made too big (memory or time) rejects with HubError E_MODEL_RESOURCES and
 * the child is killed; outputs over the cap reject with E_MODEL_RESOURCES too, the child lives
 * on; any other failure of the model (onnxruntime refusing it) rejects with a SandboxRefusal
 * carrying onnxruntime's words, and the child lives on.
 *
 * The sandbox bounds resources and strips the environment; it does not isolate privileges (same
 * user, same filesystem as the hub).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { HubError } from '../../core/errors';

export interface SandboxLimits {
  /** the child's data segment and resident memory, in MiB */
  memoryMb: number;
  /** each request (open, run, timing), in milliseconds */
  timeoutMs: number;
}

/** The most one run may send back, over all its outputs together (the child refuses before sending). */
export interface OutputLimit {
  elements?: number;
  bytes?: number;
}

/** An output the child would not send (child.mjs refuseOversized), or the parent would not take. */
interface OversizedOutput {
  name: string;
  type: string;
  dims: readonly number[];
  elements: number;
  bytes: number;
  limit: OutputLimit;
}

/** onnxruntime refused the model or its inputs (not a resource limit): its own words. */
export class SandboxRefusal extends Error {
  override readonly name = 'SandboxRefusal';
}

/** What the child sends: a reply to request `id` (its fields, or why it failed), that it is ready, or that it ran out of memory. */
interface ChildMessage {
  id?: number;
  ok?: boolean;
  message?: string;
  ready?: true;
  memory?: number;
  outputTooLarge?: OversizedOutput;
  [field: string]: unknown;
}

interface Pending {
  resolve(reply: Record<string, unknown>): void;
  reject(error: Error): void;
  stage: string;
  timer: NodeJS.Timeout;
}

const CHILD = fileURLToPath(new URL('./child.mjs', import.meta.url));
const WATCH_MS = 50;
const MIB = 1024 * 1024;
const STDERR_TAIL = 2000;
const OUT_OF_MEMORY = /Failed to allocate memory|bad_alloc|out of memory|Cannot allocate memory|ENOMEM|allocation failed/i;

function command(memoryMb: number): { file: string; args: string[] } {
  if (process.platform === 'linux' && existsSync('/bin/sh')) {
    // `ulimit -d` takes KiB and sets the soft and hard limit: the child cannot raise it back.
    return { file: '/bin/sh', args: ['-c', 'ulimit -d "$1" 2>/dev/null; shift; exec "$@"', 'edgefleet-sandbox', String(memoryMb * 1024), process.execPath, CHILD] };
  }
  return { file: process.execPath, args: [CHILD] };
}

/** Resident memory of `pid` in bytes (Linux), null elsewhere or once it is gone. */
async function residentBytes(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return null;
  }
}

export class SandboxChild {
  /** resolves once the child can take requests; rejects when it could not start */
  readonly ready: Promise<void>;
  /** the error that ended the child, once it is gone */
  failure: Error | null = null;
  /** the child's last resident memory the watchdog saw, in bytes */
  rss = 0;

  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private readonly watch: NodeJS.Timeout;
  private nextId = 1;
  private stderr = '';
  private readyHandlers: { resolve(): void; reject(error: Error): void } | null = null;

  constructor(private readonly limits: SandboxLimits) {
    const { file, args } = command(limits.memoryMb);
    // No inherited environment: the child needs none, and secrets in the hub's environment stay
    // out of it. Not privilege isolation: the child runs as the hub's user and could read what the
    // hub can (its data dir, keys/), so running the hub under its own user with a 0700 data dir
    // bounds what an exploit of onnxruntime could read.
    this.child = spawn(file, args, {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', EDGEFLEET_SANDBOX_MEMORY_BYTES: String(limits.memoryMb * MIB) },
    });
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-STDERR_TAIL)));
    // Once started, the child never keeps the hub's process alive by itself: a request's deadline
    // timer does, for as long as the request waits (the IPC channel does until the child is ready).
    this.child.unref();
    (this.child.stderr as Socket | null)?.unref();
    this.ready = new Promise<void>((resolve, reject) => {
      this.readyHandlers = { resolve, reject };
    });
    this.ready.catch(() => undefined);
    this.child.on('message', (message: ChildMessage) => this.onMessage(message));
    this.child.on('error', (error) => this.end(new Error(`the model sandbox could not start: ${error.message}`, { cause: error })));
    this.child.on('exit', (code, signal) => this.onExit(code, signal));
    this.watch = setInterval(() => void this.check(), WATCH_MS);
    this.watch.unref();
    const starting = setTimeout(() => this.end(new Error(`the model sandbox did not start within ${Math.round(limits.timeoutMs / 1000)} s`)), limits.timeoutMs);
    starting.unref();
    void this.ready.then(() => clearTimeout(starting), () => clearTimeout(starting));
  }

  get alive(): boolean {
    return this.failure === null;
  }

  /** Sends `message` and resolves with the reply's fields; `stage` names the step in messages ('load', 'run'). */
  async request(message: Record<string, unknown>, stage: string): Promise<Record<string, unknown>> {
    await this.ready;
    if (this.failure) throw this.failure;
    const id = this.nextId++;
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(
        () => this.end(new HubError('E_MODEL_RESOURCES', `the model did not ${stage} within ${Math.round(this.limits.timeoutMs / 1000)} s (EDGEFLEET_MODEL_TIMEOUT_S)`, { details: { limitS: this.limits.timeoutMs / 1000, stage } })),
        this.limits.timeoutMs,
      );
      this.pending.set(id, { resolve, reject, stage, timer });
      const failed = (error: Error): void => {
        // Only if still waiting: the child may have answered, or end() rejected it already.
        if (this.pending.get(id)?.timer !== timer) return;
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new Error(`the model sandbox could not take the request: ${error.message}`, { cause: error }));
      };
      try {
        // The channel can close between the check above and here (the child exiting): send throws
        // synchronously, or reports through its callback.
        this.child.send({ ...message, id }, (error) => {
          if (error) failed(error);
        });
      } catch (error) {
        failed(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Stops the child (idempotent); pending requests reject with `reason`. */
  end(reason: Error = new Error('the model sandbox was closed')): void {
    this.failure ??= reason;
    this.readyHandlers?.reject(this.failure);
    clearInterval(this.watch);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.reject(this.failure);
    }
  }

  private tooMuch(stage: string, seen: string): HubError {
    return new HubError('E_MODEL_RESOURCES', `the model needs more memory than the hub allows models (${this.limits.memoryMb} MiB, EDGEFLEET_MODEL_MEMORY_LIMIT_MB) to ${stage}: ${seen}`, {
      details: { limitMb: this.limits.memoryMb, stage, seen },
    });
  }

  private currentStage(): string {
    return [...this.pending.values()][0]?.stage ?? 'load';
  }

  private onMessage(message: ChildMessage): void {
    if (message.ready) {
      this.child.channel?.unref();
      this.readyHandlers?.resolve();
      return;
    }
    if (typeof message.memory === 'number') {
      this.end(this.tooMuch(this.currentStage(), `its resident memory reached ${Math.round(message.memory / MIB)} MiB`));
      return;
    }
    const pending = message.id === undefined ? undefined : this.pending.get(message.id);
    if (!pending || message.id === undefined) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.ok) {
      pending.resolve(message);
      return;
    }
    if (message.outputTooLarge) {
      pending.reject(outputTooLarge(message.outputTooLarge));
      return;
    }
    const said = message.message ?? 'the sandbox gave no reason';
    if (OUT_OF_MEMORY.test(said)) {
      // An allocation refused under the rlimit: the child may be in a poor state, so it goes too.
      const error = this.tooMuch(pending.stage, clipOrtMessage(said));
      pending.reject(error);
      this.end(error);
      return;
    }
    pending.reject(new SandboxRefusal(said.slice(0, 2000)));
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.failure) {
      this.end();
      return;
    }
    // Died without a word: V8 or the allocator aborted (out of memory), the kernel's OOM killer
    // chose it (a SIGKILL that was not ours), or onnxruntime crashed on the file.
    const said = this.stderr.trim().split('\n').slice(-3).join(' ').slice(0, 500);
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    const stage = this.currentStage();
    this.end(
      signal === 'SIGKILL' || OUT_OF_MEMORY.test(this.stderr)
        ? this.tooMuch(stage, `the sandbox died (${how})${said ? `: ${said}` : ''}`)
        : new HubError('E_INVALID_MODEL', `onnxruntime crashed on the model in the sandbox (${how})${said ? `: ${said}` : ''}`),
    );
  }

  private async check(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined || !this.alive) return;
    const rss = await residentBytes(pid);
    if (rss === null || !this.alive) return;
    this.rss = rss;
    if (rss > this.limits.memoryMb * MIB) this.end(this.tooMuch(this.currentStage(), `its resident memory reached ${Math.round(rss / MIB)} MiB`));
  }
}

const limitText = (limit: OutputLimit): string =>
  [limit.elements === undefined ? '' : `${limit.elements} elements`, limit.bytes === undefined ? '' : `${limit.bytes} bytes`].filter(Boolean).join(' or ');

/** 422 E_MODEL_RESOURCES naming the output, its size at run time and the limit. */
export function outputTooLarge(output: OversizedOutput): HubError {
  return new HubError(
    'E_MODEL_RESOURCES',
    `the model's outputs of one run are over what the hub takes from a model (${limitText(output.limit)} in all): output '${output.name}' holds ${output.elements} elements (${output.bytes} bytes, ${output.type} [${output.dims.join(', ')}]) at run time`,
    { details: { stage: 'output', output: output.name, dims: output.dims, elements: output.elements, bytes: output.bytes, limit: output.limit } },
  );
}

/**
 * The parent's own check of a run's outputs, before anything converts them (a copy into JSON
 * numbers is several times their size): the dims' element count, and the data's bytes.
 */
export function checkOutputs(outputs: Readonly<Record<string, { type: string; dims: readonly number[]; data: unknown }>>, limit: OutputLimit): void {
  let elements = 0;
  let bytes = 0;
  for (const [name, tensor] of Object.entries(outputs)) {
    const own = tensor.dims.reduce((n, d) => n * d, 1);
    const ownBytes = ArrayBuffer.isView(tensor.data) ? tensor.data.byteLength : 0;
    elements += own;
    bytes += ownBytes;
    if ((limit.elements !== undefined && elements > limit.elements) || (limit.bytes !== undefined && bytes > limit.bytes)) {
      throw outputTooLarge({ name, type: tensor.type, dims: tensor.dims, elements: own, bytes: ownBytes, limit });
    }
  }
}

/** "onnxruntime could not allocate 3220000000 bytes" from its arena's long message, else the message clipped. */
function clipOrtMessage(message: string): string {
  const size = /requested buffer of size (\d+)/.exec(message)?.[1];
  return size ? `onnxruntime could not allocate ${size} bytes` : message.slice(0, 500);
}
