/**
 * A private PostgreSQL server for tests (Debian's `postgresql` package): a fresh cluster made by
 * initdb in a temp dir, started by pg_ctl on a free local port with its socket in that dir, one
 * database created, and everything removed on stop. PostgreSQL refuses to run as root, so under
 * root the cluster belongs to the `postgres` user the package creates and its tools run through
 * runuser. Never the machine's own cluster, never a mock.
 */
import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './process';

const run = promisify(execFile);

export interface PostgresServer {
  /** postgres://user@127.0.0.1:port/database */
  url: string;
  port: number;
  version: string;
  stop(): Promise<void>;
}

async function binDir(): Promise<string> {
  const root = '/usr/lib/postgresql';
  const versions = (await readdir(root).catch(() => [] as string[])).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  const newest = versions[0];
  if (newest === undefined) throw new Error(`no PostgreSQL under ${root}: install Debian's postgresql package (.ci/run does)`);
  return join(root, newest, 'bin');
}

async function uidOf(user: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export async function startPostgres(database = 'edgefleet'): Promise<PostgresServer> {
  const bin = await binDir();
  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-pg-'));
  const asRoot = userInfo().uid === 0;
  const owner = asRoot ? 'postgres' : userInfo().username;
  if (asRoot) {
    const { uid, gid } = await uidOf(owner);
    await chown(dir, uid, gid);
    await chmod(dir, 0o700);
  }
  const tool = (name: string, args: string[]) => (asRoot ? run('runuser', ['-u', owner, '--', join(bin, name), ...args]) : run(join(bin, name), args));
  const data = join(dir, 'data');
  const port = await freePort();
  try {
    await tool('initdb', ['-D', data, '-U', owner, '--auth=trust', '--encoding=UTF8', '--no-sync']);
    await tool('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '30', '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off`, 'start']);
    await tool('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', owner, database]);
  } catch (error) {
    const log = await readFile(join(dir, 'server.log'), 'utf8').catch(() => '');
    await rm(dir, { recursive: true, force: true });
    throw new Error(`could not start a private PostgreSQL: ${String(error)}\n${log}`, { cause: error });
  }
  const { stdout } = await tool('postgres', ['--version']);
  return {
    url: `postgres://${owner}@127.0.0.1:${port}/${database}`,
    port,
    version: stdout.trim(),
    async stop() {
      await tool('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
