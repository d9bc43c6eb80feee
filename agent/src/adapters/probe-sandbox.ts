/**
 * The model sandbox (issue 16, item 2): before a new model is opened in the agent, a child
 * process (probe-sandbox-child.mjs) opens it and runs its probe inputs under limits, so a model
 * that asks for gigabytes (a 165-byte ConstantOfShape of 805M floats) exhausts a process that
 * can die, not the one that serves. What protects what:
 *
 * - Linux: the child runs with its data segment capped (`ulimit -d`, RLIMIT_DATA: every private
 *   writable mapping, i.e. the heap, onnxruntime's arena and its mmaps), so an allocation past the
 *   limit fails inside onnxruntime and the child reports it; nothing is ever committed.
 * - Linux: a watchdog reads the child's resident memory from /proc every 50 ms and SIGKILLs it
 *   past the limit (what the rlimit does not count: shared or file-backed pages).
 * - Elsewhere: the child checks its own resident memory (best effort).
 * - Everywhere: a deadline, and the child asks the kernel's OOM killer to pick it first.
 *
 * Refusals are AgentErrors: E_PROBE_FAILED for memory and time (the model cannot be probed on
 * this device), E_LOAD_FAILED when onnxruntime refuses the file. Not transient: the same model
 * asks the same of the same device next time. A sandbox that cannot start is transient.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { TypedTensorData } from '@edgefleet/protocol';
import { AgentError } from '../errors';

export interface SandboxLimits {
  /** the child's memory: data segment and resident set, in MiB */
  memoryMb: number;
  /** load and probe together, in milliseconds */
  timeoutMs: number;
}

export interface SandboxReport {
  loadMs: number;
  runMs: number;
  /** the child's peak resident memory, when the platform tells (Linux) */
  peakMb: number | null;
  /** whether the data-segment limit was in force (false: watchdogs only) */
  rlimit: boolean;
}

type ChildMessage =
  | { kind: 'ready'; dataLimit: number | null }
  | { kind: 'loaded'; ms: number }
  | { kind: 'done'; loadMs: number; runMs: number }
  | { kind: 'failed'; stage: 'load' | 'run' | 'memory'; message: string };

const CHILD = fileURLToPath(new URL('./probe-sandbox-child.mjs', import.meta.url));
const WATCH_MS = 50;
const MIB = 1024 * 1024;
/** The child's stderr kept for messages (onnxruntime and V8 say why they died there). */
const STDERR_TAIL = 2000;
const OUT_OF_MEMORY = /Failed to allocate memory|bad_alloc|out of memory|Cannot allocate memory|ENOMEM|allocation failed/i;

/** How the child is started: under a data-segment rlimit where /bin/sh can set one. */
function command(memoryMb: number): { file: string; args: string[] } {
  if (process.platform === 'linux' && existsSync('/bin/sh')) {
    // `ulimit -d` takes KiB and sets the soft and hard limit: the child cannot raise it back.
    return { file: '/bin/sh', args: ['-c', 'ulimit -d "$1" 2>/dev/null; shift; exec "$@"', 'edgefleet-sandbox', String(memoryMb * 1024), process.execPath, CHILD] };
  }
  return { file: process.execPath, args: [CHILD] };
}

/** Resident and peak resident memory of `pid` in bytes (Linux), null elsewhere or once it is gone. */
async function residentBytes(pid: number): Promise<{ rss: number; peak: number } | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return null;
  }
}

/**
 * Opens `bytes` and runs `feeds` once in a fresh child under `limits`; resolves when both went
 * through, else throws the AgentError that says why (see the file comment). `signal` stops the
 * child at once (a newer doc superseded the install): a transient E_LOAD_FAILED. `launch` is how
 * the child is started (tests give one that cannot start).
 */
export function probeInSandbox(
  bytes: Uint8Array,
  feeds: Readonly<Record<string, TypedTensorData>>,
  limits: SandboxLimits,
  signal?: AbortSignal,
  launch: { file: string; args: string[] } = command(limits.memoryMb),
): Promise<SandboxReport> {
  const limitBytes = limits.memoryMb * MIB;
  const { file, args } = launch;
  return new Promise<SandboxReport>((resolve, reject) => {
    let child: ChildProcess;
    try {
      // No inherited environment: the child needs none, and the device secret stays here.
      child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', EDGEFLEET_SANDBOX_MEMORY_BYTES: String(limitBytes) } });
    } catch (cause) {
      reject(new AgentError('E_LOAD_FAILED', `the model sandbox could not start: ${messageOf(cause)}`, { transient: true, cause }));
      return;
    }
    let stderr = '';
    let peak = 0;
    let rlimit = false;
    let loaded = false;
    let verdict: { kind: 'ok'; report: SandboxReport } | { kind: 'error'; error: AgentError } | null = null;
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL)));

    const stop = (next: NonNullable<typeof verdict>) => {
      verdict ??= next;
      clearInterval(watch);
      clearTimeout(deadline);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const tooMuch = (seen: string) =>
      new AgentError('E_PROBE_FAILED', `the model needs more memory than this device allows models (${limits.memoryMb} MiB, EDGEFLEET_AGENT_MODEL_MEMORY_MB) ${loaded ? 'to run its probe' : 'to load'}: ${seen}`);

    const watch = setInterval(() => {
      if (child.pid === undefined) return;
      void residentBytes(child.pid).then((memory) => {
        if (!memory || verdict) return;
        peak = Math.max(peak, memory.peak, memory.rss);
        if (memory.rss > limitBytes) stop({ kind: 'error', error: tooMuch(`its resident memory reached ${Math.round(memory.rss / MIB)} MiB`) });
      });
    }, WATCH_MS);
    const deadline = setTimeout(
      () => stop({ kind: 'error', error: new AgentError('E_PROBE_FAILED', `the model did not ${loaded ? 'run its probe' : 'load'} within ${Math.round(limits.timeoutMs / 1000)} s (EDGEFLEET_AGENT_PROBE_TIMEOUT_S)`) }),
      limits.timeoutMs,
    );

    child.on('message', (message: ChildMessage) => {
      switch (message.kind) {
        case 'ready':
          rlimit = message.dataLimit !== null && message.dataLimit <= limitBytes;
          child.send({ bytes, feeds });
          break;
        case 'loaded':
          loaded = true;
          break;
        case 'done':
          stop({ kind: 'ok', report: { loadMs: Math.round(message.loadMs), runMs: Math.round(message.runMs), peakMb: peak > 0 ? Math.round(peak / MIB) : null, rlimit } });
          break;
        case 'failed':
          stop({ kind: 'error', error: failure(message, tooMuch) });
          break;
      }
    });
    const onAbort = () => stop({ kind: 'error', error: new AgentError('E_LOAD_FAILED', 'the sandbox was stopped: the install was superseded', { transient: true }) });
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (cause) => stop({ kind: 'error', error: new AgentError('E_LOAD_FAILED', `the model sandbox could not start: ${cause.message}`, { transient: true, cause }) }));
    // 'close', not 'exit': a spawn that fails after spawn() returned (EAGAIN, EACCES, ENOENT)
    // emits 'error' and 'close' but never 'exit', and 'close' also comes after stderr's last words.
    child.on('close', (code, killedBy) => {
      clearInterval(watch);
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      if (!verdict) {
        // Died without a word: V8 or the allocator aborted (out of memory), the kernel's OOM
        // killer chose it (SIGKILL that was not ours), or onnxruntime crashed on the file.
        const said = stderr.trim().split('\n').slice(-3).join(' ').slice(0, 500);
        const how = killedBy ? `signal ${killedBy}` : `exit code ${code}`;
        verdict =
          killedBy === 'SIGKILL' || OUT_OF_MEMORY.test(stderr)
            ? { kind: 'error', error: tooMuch(`the sandbox died (${how})${said ? `: ${said}` : ''}`) }
            : { kind: 'error', error: new AgentError('E_LOAD_FAILED', `onnxruntime crashed on the model in the sandbox (${how})${said ? `: ${said}` : ''}`) };
      }
      if (verdict.kind === 'ok') resolve(verdict.report);
      else reject(verdict.error);
    });
  });
}

function failure(message: Extract<ChildMessage, { kind: 'failed' }>, tooMuch: (seen: string) => AgentError): AgentError {
  if (message.stage === 'memory' || OUT_OF_MEMORY.test(message.message)) return tooMuch(clip(message.message));
  if (message.stage === 'load') return new AgentError('E_LOAD_FAILED', `onnxruntime could not load the model: ${clip(message.message)}`);
  return new AgentError('E_PROBE_FAILED', `probe could not run: ${clip(message.message)}`);
}

const clip = (text: string) => text.slice(0, 1000);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
