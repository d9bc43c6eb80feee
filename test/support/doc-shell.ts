/**
 * Runs documentation examples the way a reader pastes them into one terminal: blocks in order, the
 * variables and working directory one block leaves are there for the next, long-running commands
 * (the hub, an agent) run in the background as if in a second terminal.
 *
 * Each block runs as its own `bash` script under `set -euo pipefail` (a failing line fails the
 * block), in its own process group so whatever it leaves running is stopped at the end. `curl`
 * fails on an HTTP error status (it is wrapped with --fail-with-body) unless the block allows them.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmod, cp, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DocShellOptions {
  /** the repository whose files the examples use (symlinked into the working dir, data dirs left out) */
  repoRoot: string;
  /** an empty temp dir: it becomes the reader's clone, home and scratch space */
  dir: string;
  /** extra environment (the free ports the documented ones map to) */
  env: Record<string, string>;
}

export interface BlockResult {
  exitCode: number | null;
  output: string;
}

interface Running {
  pid: number;
  exited: Promise<number | null>;
  log: string;
}

/** Repository entries a reader's fresh clone would not have, or that the examples create themselves. */
const NOT_LINKED = new Set(['.git', 'data', 'agent-data', 'dist-agent']);
/**
 * Copied rather than linked: packing the agent writes agent/dist, which another test file may be
 * packing at the same moment in the repository itself.
 */
const COPIED = new Set(['agent']);

/** Environment variables that say how this machine reaches the network, passed to examples as they are. */
const NETWORK_ENV = ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'npm_config_registry', 'npm_config_cafile', 'npm_config_proxy', 'npm_config_https_proxy', 'npm_config_noproxy'];

export class DocShell {
  private readonly clone: string;
  private readonly home: string;
  private readonly stateFile: string;
  private readonly cwdFile: string;
  private readonly binDir: string;
  private readonly groups: Running[] = [];
  /** the reader's npm cache: installing the packed agent needs no download it already made */
  private npmCache = '';
  private counter = 0;

  private constructor(private readonly options: DocShellOptions) {
    this.clone = join(options.dir, 'clone');
    this.home = join(options.dir, 'home');
    this.stateFile = join(options.dir, 'state.sh');
    this.cwdFile = join(options.dir, 'cwd');
    this.binDir = join(options.dir, 'bin');
  }

  static async create(options: DocShellOptions): Promise<DocShell> {
    const shell = new DocShell(options);
    await shell.prepare();
    return shell;
  }

  get cloneDir(): string {
    return this.clone;
  }

  private async prepare(): Promise<void> {
    await mkdir(this.clone, { recursive: true });
    await mkdir(this.home, { recursive: true });
    await mkdir(this.binDir, { recursive: true });
    for (const entry of await readdir(this.options.repoRoot)) {
      if (NOT_LINKED.has(entry)) continue;
      if (COPIED.has(entry)) {
        await cp(join(this.options.repoRoot, entry), join(this.clone, entry), { recursive: true, filter: (source) => !/[/\\](dist|node_modules)$/.test(source) });
        continue;
      }
      await symlink(join(this.options.repoRoot, entry), join(this.clone, entry));
    }
    this.npmCache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
    const realCurl = execFileSync('sh', ['-c', 'command -v curl'], { encoding: 'utf8' }).trim();
    await writeFile(
      join(this.binDir, 'curl'),
      [
        '#!/bin/sh',
        `if [ "\${DOC_TEST_ALLOW_HTTP_ERRORS:-}" = 1 ]; then exec ${realCurl} "$@"; fi`,
        // An example that already says --fail / -f keeps its own choice (curl refuses both).
        'for arg in "$@"; do case "$arg" in --fail|--fail-with-body|--fail-early) exec ' + realCurl + ' "$@";; --*) ;; -*f*) exec ' + realCurl + ' "$@";; esac; done',
        `exec ${realCurl} --fail-with-body "$@"`,
        '',
      ].join('\n'),
    );
    await chmod(join(this.binDir, 'curl'), 0o755);
    await writeFile(this.stateFile, '');
    await writeFile(this.cwdFile, this.clone);
  }

  private environment(allowHttpErrors: boolean): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      // The reader's network settings come along (a registry behind a proxy or a private CA):
      // docs/agent.md installs the packed agent's dependencies from the registry.
      ...Object.fromEntries(NETWORK_ENV.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]]]))),
      PATH: `${this.binDir}:${process.env.PATH ?? ''}`,
      HOME: this.home,
      LANG: 'C.UTF-8',
      TERM: 'dumb',
      npm_config_cache: this.npmCache,
      npm_config_update_notifier: 'false',
      ...this.options.env,
    };
    if (allowHttpErrors) env.DOC_TEST_ALLOW_HTTP_ERRORS = '1';
    return env;
  }

  private async script(code: string): Promise<string> {
    const file = join(this.options.dir, `block-${++this.counter}.sh`);
    // set -a: every variable a block assigns is exported, so `export -p` carries it to the next block.
    await writeFile(
      file,
      [
        'set -a',
        `. ${shellQuote(this.stateFile)}`,
        `cd "$(cat ${shellQuote(this.cwdFile)})"`,
        `trap 'unset DOC_TEST_ALLOW_HTTP_ERRORS; export -p > ${shellQuote(this.stateFile)}.next; pwd > ${shellQuote(this.cwdFile)}.next' EXIT`,
        'set -euo pipefail',
        code,
        '',
      ].join('\n'),
    );
    return file;
  }

  private start(file: string, allowHttpErrors: boolean): Running {
    const log = `${file}.log`;
    const child = spawn('bash', ['-c', `exec bash ${shellQuote(file)} >${shellQuote(log)} 2>&1 </dev/null`], {
      cwd: this.clone,
      env: this.environment(allowHttpErrors),
      detached: true,
      stdio: 'ignore',
    });
    if (child.pid === undefined) throw new Error('bash did not start');
    const running: Running = { pid: child.pid, log, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
    this.groups.push(running);
    return running;
  }

  /** Runs a block to its end; its variables and directory carry over only when it succeeds. */
  async run(code: string, { allowHttpErrors = false, timeoutMs = 5 * 60_000 } = {}): Promise<BlockResult> {
    const running = this.start(await this.script(code), allowHttpErrors);
    const exitCode = await Promise.race([running.exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref())]);
    const output = await readFile(running.log, 'utf8').catch(() => '');
    if (exitCode === 'timeout') {
      killGroup(running.pid, 'SIGKILL');
      return { exitCode: null, output: `${output}\n[doc test: timed out after ${timeoutMs} ms]` };
    }
    if (exitCode === 0) {
      await copyState(`${this.stateFile}.next`, this.stateFile);
      await copyState(`${this.cwdFile}.next`, this.cwdFile);
    }
    return { exitCode, output };
  }

  /** Starts a long-running block (the reader's second terminal) and waits until `readyUrl` answers 2xx. */
  async background(code: string, readyUrl: string, timeoutMs = 3 * 60_000): Promise<BlockResult> {
    const running = this.start(await this.script(code), false);
    const deadline = Date.now() + timeoutMs;
    let exited: number | null | undefined;
    void running.exited.then((code) => (exited = code));
    for (;;) {
      if (exited !== undefined) return { exitCode: exited ?? -1, output: `${await readFile(running.log, 'utf8').catch(() => '')}\n[doc test: exited before ${readyUrl} answered]` };
      const ok = await fetch(readyUrl, { signal: AbortSignal.timeout(2_000) }).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) return { exitCode: 0, output: await readFile(running.log, 'utf8').catch(() => '') };
      if (Date.now() > deadline) return { exitCode: null, output: `${await readFile(running.log, 'utf8').catch(() => '')}\n[doc test: ${readyUrl} did not answer within ${timeoutMs} ms]` };
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Stops everything the examples started (SIGTERM, then SIGKILL for what ignores it). */
  async close(): Promise<void> {
    for (const group of this.groups.reverse()) killGroup(group.pid, 'SIGTERM');
    await Promise.all(this.groups.map((group) => Promise.race([group.exited, new Promise((resolve) => setTimeout(resolve, 15_000))])));
    for (const group of this.groups) killGroup(group.pid, 'SIGKILL');
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone
  }
}

async function copyState(from: string, to: string): Promise<void> {
  const text = await readFile(from, 'utf8').catch(() => null);
  if (text !== null) await writeFile(to, text);
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
