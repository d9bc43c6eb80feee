/**
 * What the database bench sees of PostgreSQL beside an in-process hub: the server's CPU and the
 * hub's queries. The server's CPU is read from /proc (the postmaster and every backend are
 * processes of their own, so the hub's cores leave them out). The queries are counted on
 * node-postgres's Client, which the hub's pool sends every query through; that shows how many
 * round trips a device costs and how long each takes. Linux only.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

export interface QueryTally {
  /** queries sent (each one round trip, BEGIN and COMMIT included) */
  queries: number;
  /** summed time from send to reply (overlapping when queries run in parallel) */
  ms: number;
}

type Query = (this: pg.Client, ...args: unknown[]) => unknown;

/**
 * Counts every query node-postgres sends from this process until `stop`: a wrapper on
 * Client.prototype.query that passes each call through unchanged. The pool's own queries pass a
 * callback; a client's direct ones return a promise.
 */
export function countQueries(): { read(): QueryTally; stop(): void } {
  const prototype = pg.Client.prototype as unknown as { query: Query };
  const original = prototype.query;
  const tally: QueryTally = { queries: 0, ms: 0 };
  prototype.query = function (this: pg.Client, ...args: unknown[]): unknown {
    tally.queries++;
    const started = performance.now();
    const done = (): void => {
      tally.ms += performance.now() - started;
    };
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (...reply: unknown[]): unknown => {
        done();
        return Reflect.apply(callback, undefined, reply);
      };
      return Reflect.apply(original, this, args);
    }
    const result = Reflect.apply(original, this, args);
    if (result instanceof Promise) result.then(done, done);
    return result;
  };
  return {
    read: () => ({ ...tally }),
    stop: () => {
      prototype.query = original;
    },
  };
}

/** Fields of /proc/<pid>/stat after the command name (field 3, the state, is index 0). */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // it exited meanwhile
  }
}

const ticks = (fields: readonly string[], from: number, to: number): number => fields.slice(from, to + 1).reduce((sum, field) => sum + Number(field), 0);

/**
 * CPU seconds the PostgreSQL server at `url` has used so far: the postmaster's own and its
 * reaped children's (backends that already exited), plus every live child's. The postmaster is
 * found as the parent of a backend this function connects to once.
 */
export async function serverCpuSeconds(url: string): Promise<() => number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let backend: number;
  let postmaster: number;
  try {
    backend = Number((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid);
    // Read while connected: the backend exits with the connection.
    postmaster = Number(statFields(backend)?.[1]);
  } finally {
    await client.end();
  }
  if (!Number.isInteger(postmaster) || postmaster <= 1) throw new Error(`could not find the postmaster of backend ${backend}`);
  const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return () => {
    const own = statFields(postmaster);
    if (!own) throw new Error(`the PostgreSQL postmaster ${postmaster} is gone`);
    // utime, stime, cutime, cstime are fields 14-17 of stat: indexes 11-14 here.
    let total = ticks(own, 11, 14);
    for (const name of readdirSync('/proc')) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid === postmaster) continue;
      const fields = statFields(pid);
      if (fields?.[1] === String(postmaster)) total += ticks(fields, 11, 12);
    }
    return total / ticksPerSecond;
  };
}
