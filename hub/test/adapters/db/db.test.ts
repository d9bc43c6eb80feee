/**
 * The async SQL executor (issue 12): the same queries, written once, behave the same on SQLite
 * (better-sqlite3) and on a real PostgreSQL 15 (node-postgres): ad-hoc rows and writes with
 * their change counts, prepared queries filled with named values and run many times, RETURNING,
 * and values that look like SQL stored as plain data.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { DIALECTS, useBothDatabases } from './both-databases';

const databases = useBothDatabases({ migrated: false });

describe.each(DIALECTS)('sql executor on %s', (name) => {
  const make = () => databases[name]();
  it('runs ad-hoc and prepared queries alike, with change counts and RETURNING', async () => {
    const exec = make();
    expect(exec.dialect).toBe(name);
    await exec.run(sql.raw('CREATE TABLE counters (k text PRIMARY KEY, n integer NOT NULL)'));
    const bump = exec.prepare(sql`
      INSERT INTO counters (k, n) VALUES (${sql.placeholder('k')}, ${sql.placeholder('by')})
      ON CONFLICT (k) DO UPDATE SET n = counters.n + excluded.n
      RETURNING k, n`);
    for (let i = 0; i < 50; i++) await bump.rows({ k: `key-${i % 5}`, by: 1 });
    const after = await bump.rows<{ k: string; n: number }>({ k: 'key-0', by: 100 });
    expect(after).toEqual([{ k: 'key-0', n: 110 }]);
    const listed = await exec.rows<{ k: string; n: number }>(sql`SELECT k, n FROM counters WHERE n >= ${10} ORDER BY k`);
    expect(listed.map((row) => [row.k, Number(row.n)])).toEqual([
      ['key-0', 110],
      ['key-1', 10],
      ['key-2', 10],
      ['key-3', 10],
      ['key-4', 10],
    ]);
    const reset = exec.prepare(sql`UPDATE counters SET n = 0 WHERE k <> ${sql.placeholder('keep')}`);
    expect(await reset.run({ keep: 'key-0' })).toBe(4);
    expect(await exec.run(sql`DELETE FROM counters WHERE n = ${0}`)).toBe(4);
  });

  it('stores a value that looks like SQL as plain data', async () => {
    const exec = make();
    const hostile = "x'); DROP TABLE counters; --";
    await exec.prepare(sql`INSERT INTO counters (k, n) VALUES (${sql.placeholder('k')}, 1)`).run({ k: hostile });
    expect(await exec.rows<{ k: string }>(sql`SELECT k FROM counters WHERE k = ${hostile}`)).toEqual([{ k: hostile }]);
    expect((await exec.rows<{ c: number | string }>(sql`SELECT count(*) AS c FROM counters`)).map((row) => Number(row.c))).toEqual([2]);
  });
});
