/**
 * The async SQL executor (issue 12): the same queries, written once, behave the same on SQLite
 * (better-sqlite3) and on a real PostgreSQL 15 (node-postgres): ad-hoc rows and writes with
 * their change counts, prepared queries filled with named values and run many times, RETURNING,
 * and values that look like SQL stored as plain data.
 */
import { eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase } from '../../../src/adapters/db/open';
import { startPostgres } from '../../../../test/support/postgres';
import { inJsonArray, isUniqueViolation, jsonText, lockRows, nextId } from '../../../src/adapters/db/dialect';
import { audit, deviceSeq, devices } from '../../../src/adapters/db/schema';
import { describe, expect, it } from 'vitest';
import { ENGINES, useBothDatabases } from './both-databases';

const databases = useBothDatabases();

describe.each(ENGINES)('sql executor on %s', (name) => {
  const make = () => databases[name]();
  it('runs ad-hoc and prepared queries alike, with change counts and RETURNING', async () => {
    const exec = make();
    expect(exec.engine).toBe(name);
    await exec.execute(sql.raw('CREATE TABLE counters (k text PRIMARY KEY, n integer NOT NULL)'));
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
    expect(await exec.execute(sql`DELETE FROM counters WHERE n = ${0}`)).toBe(4);
  });

  it('stores a value that looks like SQL as plain data', async () => {
    const exec = make();
    const hostile = "x'); DROP TABLE counters; --";
    await exec.prepare(sql`INSERT INTO counters (k, n) VALUES (${sql.placeholder('k')}, 1)`).run({ k: hostile });
    expect(await exec.rows<{ k: string }>(sql`SELECT k FROM counters WHERE k = ${hostile}`)).toEqual([{ k: hostile }]);
    expect((await exec.rows<{ c: number | string }>(sql`SELECT count(*) AS c FROM counters`)).map((row) => Number(row.c))).toEqual([2]);
  });
});

describe.each(ENGINES)('typed queries and transactions on %s', (name) => {
  const make = () => databases[name]();
  const device = (id: string) => ({ id, secretHash: `h-${id}`, ring: 'canary', tags: { site: "o'hare" }, createdAt: '2026-12-03T00:00:00.000Z' });

  it("maps booleans, JSON and integers as drizzle's SQLite columns declare them", async () => {
    const db = make();
    await db.insert(devices).values(device(`typed-${name}`));
    await db.update(devices).set({ online: true, reportedState: { seq: 3, nested: { b: 1, a: [1, 2] } } }).where(eq(devices.id, `typed-${name}`));
    const row = await db.select().from(devices).where(eq(devices.id, `typed-${name}`)).get();
    expect(row).toMatchObject({ online: true, tags: { site: "o'hare" }, reportedState: { seq: 3, nested: { b: 1, a: [1, 2] } }, decommissionedAt: null });
    const counted = await db.select({ n: sql<number>`count(*)` }).from(devices).where(eq(devices.online, true)).get();
    expect(counted?.n).toBe(1);
    expect(typeof counted?.n).toBe('number');
  });

  it('gives identity ids to inserts that leave them to the database', async () => {
    const db = make();
    const entry = { at: 't', actor: 'test', action: 'x', subject: `typed-${name}` };
    const first = await db.insert(audit).values({ id: nextId(db.engine), ...entry }).returning({ id: audit.id }).get();
    const second = await db.insert(audit).values({ id: nextId(db.engine), ...entry }).returning({ id: audit.id }).get();
    expect(second!.id).toBeGreaterThan(first!.id);
  });

  it('numbers audit rows past 2^31 (a row per presence change, for the fleet\'s life)', async () => {
    const db = make();
    const past = 2 ** 31 + 7;
    if (db.engine === 'postgres') await db.execute(sql.raw(`ALTER TABLE audit ALTER COLUMN id RESTART WITH ${past}`));
    else await db.execute(sql`UPDATE sqlite_sequence SET seq = ${past - 1} WHERE name = 'audit'`);
    const row = await db.insert(audit).values({ id: nextId(db.engine), at: 't', actor: 'test', action: 'x', subject: `wide-${name}` }).returning({ id: audit.id }).get();
    expect(row?.id).toBe(past);
  });

  it('selects by a JSON array of ids of any length with one prepared statement', async () => {
    const db = make();
    for (const id of ['in-a', 'in-b', 'in-c']) await db.insert(devices).values(device(`${id}-${name}`));
    const byIds = db.select({ id: devices.id }).from(devices).where(inJsonArray(db.engine, devices.id, sql.placeholder('ids'))).orderBy(devices.id).prepare();
    expect((await byIds.all({ ids: JSON.stringify([`in-a-${name}`, `in-c-${name}`, 'nobody']) })).map((r) => r.id)).toEqual([`in-a-${name}`, `in-c-${name}`]);
    expect(await byIds.all({ ids: '[]' })).toEqual([]);
    const field = await db.select({ site: jsonText(devices.tags, 'site') }).from(devices).where(eq(devices.id, `in-a-${name}`)).get();
    expect(field?.site).toBe("o'hare");
  });

  it('recognises a duplicate key, whichever engine refused it', async () => {
    const db = make();
    await db.insert(devices).values(device(`dup-${name}`));
    const refused = await db.insert(devices).values(device(`dup-${name}`)).catch((error: unknown) => error);
    expect(isUniqueViolation(refused)).toBe(true);
    expect(isUniqueViolation(new Error('other'))).toBe(false);
  });

  it('upserts through the builder with a conflict target and excluded values', async () => {
    const db = make();
    await db.insert(devices).values(device(`seq-${name}`));
    const bump = () =>
      db
        .insert(deviceSeq)
        .values({ deviceId: `seq-${name}`, seq: 1 })
        .onConflictDoUpdate({ target: deviceSeq.deviceId, set: { seq: sql`${deviceSeq.seq} + 1` } })
        .returning({ seq: deviceSeq.seq })
        .get();
    expect([(await bump())?.seq, (await bump())?.seq, (await bump())?.seq]).toEqual([1, 2, 3]);
  });

  it('reads a JSON key of any spelling, bound as a parameter', async () => {
    const db = make();
    await db.insert(devices).values({ ...device(`keys-${name}`), tags: { 'zone.x': 'a-1', 'line-2': "b'2" } });
    const row = await db
      .select({ zone: jsonText(devices.tags, 'zone.x'), line: jsonText(devices.tags, 'line-2'), none: jsonText(devices.tags, 'missing') })
      .from(devices)
      .where(eq(devices.id, `keys-${name}`))
      .get();
    expect(row).toEqual({ zone: 'a-1', line: "b'2", none: null });
  });

  it('commits a transaction, rolls one back whole when its work throws, and rolls back only a failed savepoint', async () => {
    const db = make();
    await db.transaction(async (tx) => {
      await tx.insert(devices).values(device(`tx-kept-${name}`));
      await expect(
        tx.transaction(async (inner) => {
          await inner.insert(devices).values(device(`tx-inner-${name}`));
          throw new Error('inner fails');
        }),
      ).rejects.toThrow('inner fails');
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(devices).values(device(`tx-lost-${name}`));
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    const ids = (await db.select({ id: devices.id }).from(devices).where(inJsonArray(db.engine, devices.id, JSON.stringify([`tx-kept-${name}`, `tx-inner-${name}`, `tx-lost-${name}`])))).map((r) => r.id);
    expect(ids).toEqual([`tx-kept-${name}`]);
  });

  it('keeps concurrent transactions apart: each sees only its own writes until it commits', async () => {
    const db = make();
    await db.insert(devices).values(device(`iso-${name}`));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let updated!: () => void;
    const written = new Promise<void>((resolve) => (updated = resolve));
    const writer = db.transaction(async (tx) => {
      await lockRows(tx, devices, eq(devices.id, `iso-${name}`));
      await tx.update(devices).set({ ring: 'beta' }).where(eq(devices.id, `iso-${name}`));
      updated();
      await held;
    });
    await written;
    // Outside the transaction (SQLite: waits for it; PostgreSQL: reads the committed row).
    const reader = db.select({ ring: devices.ring }).from(devices).where(eq(devices.id, `iso-${name}`)).get();
    const second = db.transaction(async (tx) => {
      await lockRows(tx, devices, eq(devices.id, `iso-${name}`));
      return (await tx.select({ ring: devices.ring }).from(devices).where(eq(devices.id, `iso-${name}`)).get())?.ring;
    });
    // PostgreSQL answers at once with the committed row; SQLite answers once the writer is done.
    if (name === 'postgres') expect((await reader)?.ring).toBe('canary');
    release();
    await writer;
    // The second locker waited for the first, so it read the committed value.
    expect(await second).toBe('beta');
    if (name === 'sqlite') expect((await reader)?.ring).toBe('beta');
  });
});

describe('SQLite transactions own the one connection', () => {
  it('refuses a query on the root database issued inside a transaction, naming the fix', async () => {
    const db = databases.sqlite();
    const refused = await db.transaction(async () => db.select().from(devices).limit(1)).catch((error: unknown) => error);
    expect(refused instanceof Error && refused.cause instanceof Error ? refused.cause.message : refused).toMatch(/pass the transaction handle/);
    // The connection is free again afterwards.
    expect(Array.isArray(await db.select().from(devices).limit(1))).toBe(true);
  });
});

describe('PostgreSQL collation', () => {
  it('opens a database whose text sorts by code point without a warning, and warns about one that sorts by a language', async () => {
    const server = await startPostgres();
    try {
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      await admin.query("CREATE DATABASE byte_order TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'");
      await admin.query("CREATE DATABASE by_language TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'");
      await admin.end();
      const urlOf = (name: string) => Object.assign(new URL(server.url), { pathname: `/${name}` }).href;
      for (const [name, warnings] of [['byte_order', 0], ['by_language', 1]] as const) {
        const opened = await openDatabase({ url: urlOf(name) });
        expect(opened.warnings, name).toHaveLength(warnings);
        await opened.close();
      }
    } finally {
      await server.stop();
    }
  }, 60_000);
});
