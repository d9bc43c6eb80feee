/**
 * The PostgreSQL schema (src/adapters/db/pg/schema.ts) is the SQLite one (src/adapters/db/schema.ts)
 * table for table and column for column, so one repository layer can serve both (issue 12). First
 * the two drizzle definitions side by side, then the committed hub/drizzle-pg migrations applied to
 * a real PostgreSQL: what the server ends up with is what the SQLite schema declares.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getTableName, is, SQL, type Column, type Table } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { getTableConfig as pgTableConfig, PgDialect, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteTableConfig, SQLiteSyncDialect, SQLiteTable } from 'drizzle-orm/sqlite-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as pgSchema from '../../../src/adapters/db/pg/schema';
import * as sqliteSchema from '../../../src/adapters/db/schema';
import { startPostgres, type PostgresServer } from '../../../../test/support/postgres';

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../drizzle-pg', import.meta.url));

/** The PostgreSQL column types a SQLite column type may become (see the mapping in pg/schema.ts). */
const PG_TYPES_OF: Record<string, readonly string[]> = {
  SQLiteText: ['PgText'],
  SQLiteTextJson: ['PgJsonb'],
  SQLiteBoolean: ['PgBoolean'],
  SQLiteInteger: ['PgInteger', 'PgBigInt53'],
  SQLiteReal: ['PgDoublePrecision'],
  SQLiteBlobBuffer: ['PgCustomColumn'],
};

interface ColumnShape {
  type: string;
  notNull: boolean;
  hasDefault: boolean;
  /** the default as a value, whether written as a value or as an SQL literal */
  default: unknown;
  primary: boolean;
  unique: boolean;
  /** SQLite AUTOINCREMENT or a PostgreSQL identity: only the database assigns the value */
  generated: boolean;
}

/** One table reduced to what both dialects can express, keyed by the names they share. */
interface TableShape {
  name: string;
  columns: Map<string, ColumnShape>;
  primaryKey: string[];
  /** name -> `unique? (col, col)` */
  indexes: Map<string, string>;
  /** `(col, col) -> table(col, col)`, sorted */
  foreignKeys: string[];
  /** `name (col, col)`, sorted */
  uniqueConstraints: string[];
}

type TableConfig = ReturnType<typeof sqliteTableConfig> | ReturnType<typeof pgTableConfig>;

const columnNames = (columns: readonly unknown[]): string =>
  `(${columns.map((column) => (typeof column === 'object' && column !== null && 'name' in column && typeof column.name === 'string' ? column.name : String(column))).join(', ')})`;

/** An SQL default such as `'{}'` as the value it stands for, so it compares with a value default. */
function defaultValue(column: Column, render: (sql: SQL) => string): unknown {
  if (!is(column.default, SQL)) return column.default;
  const text = render(column.default).replace(/::\w+$/, '');
  const literal = /^'(.*)'$/s.exec(text)?.[1]?.replaceAll("''", "'");
  if (literal === undefined) return text;
  return column.columnType.includes('Json') ? (JSON.parse(literal) as unknown) : literal;
}

function shapeOf(config: TableConfig, render: (sql: SQL) => string): TableShape {
  const columns = new Map<string, ColumnShape>();
  for (const column of config.columns as Column[]) {
    const autoIncrement = 'autoIncrement' in column && column.autoIncrement === true;
    columns.set(column.name, {
      type: column.columnType,
      notNull: column.notNull,
      hasDefault: column.hasDefault,
      default: defaultValue(column, render),
      primary: column.primary,
      unique: column.isUnique,
      generated: autoIncrement || column.generatedIdentity !== undefined,
    });
  }
  const composite = config.primaryKeys[0]?.columns.map((column) => column.name);
  return {
    name: config.name,
    columns,
    primaryKey: composite ?? (config.columns as Column[]).filter((column) => column.primary).map((column) => column.name),
    indexes: new Map(config.indexes.map((index) => [index.config.name ?? '', `${index.config.unique ? 'unique ' : ''}${columnNames(index.config.columns)}`])),
    foreignKeys: config.foreignKeys
      .map((key) => key.reference())
      .map((ref) => `${columnNames(ref.columns)} -> ${getTableName(ref.foreignTable)}${columnNames(ref.foreignColumns)}`)
      .sort(),
    uniqueConstraints: config.uniqueConstraints.map((unique) => `${unique.getName() ?? ''} ${columnNames(unique.columns)}`).sort(),
  };
}

const sqliteDialect = new SQLiteSyncDialect();
const pgDialect = new PgDialect();

function tablesOf<T extends Table>(schema: Record<string, unknown>, isTable: (value: unknown) => value is T, shape: (table: T) => TableShape): Map<string, TableShape> {
  return new Map(Object.entries(schema).flatMap(([exportName, value]) => (isTable(value) ? [[exportName, shape(value)] as const] : [])));
}

const sqliteTables = tablesOf(
  sqliteSchema,
  (value): value is SQLiteTable => is(value, SQLiteTable),
  (table) => shapeOf(sqliteTableConfig(table), (sql) => sqliteDialect.sqlToQuery(sql).sql),
);
const pgTables = tablesOf(
  pgSchema,
  (value): value is PgTable => is(value, PgTable),
  (table) => shapeOf(pgTableConfig(table), (sql) => pgDialect.sqlToQuery(sql).sql),
);

/** table -> column -> the SQL type pg/schema.ts declares, which the server must report. */
const pgSqlTypes = new Map(
  Object.values(pgSchema as Record<string, unknown>)
    .filter((value): value is PgTable => is(value, PgTable))
    .map((table) => pgTableConfig(table))
    .map((config) => [config.name, new Map(config.columns.map((column) => [column.name, column.getSQLType()]))] as const),
);

/** The pairs to compare, by export name; a table missing on either side is its own test's failure. */
const pairs = [...sqliteTables].flatMap(([exportName, sqlite]) => {
  const other = pgTables.get(exportName);
  return other ? [{ sqlite, pg: other }] : [];
});

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Every column-level difference, each naming its table and column. */
function columnDifferences(sqlite: TableShape, other: TableShape): string[] {
  const differences: string[] = [];
  for (const [name, column] of sqlite.columns) {
    const mirror = other.columns.get(name);
    if (!mirror) {
      differences.push(`${sqlite.name}.${name}: missing from the PostgreSQL schema`);
      continue;
    }
    for (const key of ['notNull', 'hasDefault', 'default', 'primary', 'unique', 'generated'] as const) {
      if (!same(column[key], mirror[key])) differences.push(`${sqlite.name}.${name}: ${key} is ${JSON.stringify(column[key])} in SQLite, ${JSON.stringify(mirror[key])} in PostgreSQL`);
    }
    const allowed = PG_TYPES_OF[column.type] ?? [];
    if (!allowed.includes(mirror.type)) differences.push(`${sqlite.name}.${name}: ${column.type} may not become ${mirror.type} (expected one of ${allowed.join(', ') || 'nothing: add a mapping'})`);
  }
  for (const name of other.columns.keys()) if (!sqlite.columns.has(name)) differences.push(`${sqlite.name}.${name}: only in the PostgreSQL schema`);
  return differences;
}

function keyDifferences(sqlite: TableShape, other: TableShape): string[] {
  const differences: string[] = [];
  const table = sqlite.name;
  if (!same(sqlite.primaryKey, other.primaryKey)) differences.push(`${table}: primary key (${sqlite.primaryKey.join(', ')}) in SQLite, (${other.primaryKey.join(', ')}) in PostgreSQL`);
  for (const name of new Set([...sqlite.indexes.keys(), ...other.indexes.keys()])) {
    const [a, b] = [sqlite.indexes.get(name), other.indexes.get(name)];
    if (a !== b) differences.push(`${table}: index ${name} is ${a ?? 'absent'} in SQLite, ${b ?? 'absent'} in PostgreSQL`);
  }
  if (!same(sqlite.foreignKeys, other.foreignKeys)) differences.push(`${table}: foreign keys [${sqlite.foreignKeys.join('; ')}] in SQLite, [${other.foreignKeys.join('; ')}] in PostgreSQL`);
  if (!same(sqlite.uniqueConstraints, other.uniqueConstraints)) differences.push(`${table}: unique constraints [${sqlite.uniqueConstraints.join('; ')}] in SQLite, [${other.uniqueConstraints.join('; ')}] in PostgreSQL`);
  return differences;
}

describe('the PostgreSQL schema mirrors the SQLite one', () => {
  it('exports the same tables under the same names', () => {
    expect(sqliteTables.size).toBeGreaterThan(0);
    const names = (tables: Map<string, TableShape>) => [...tables].map(([exportName, table]) => `${exportName} = ${table.name}`).sort();
    expect(names(pgTables)).toEqual(names(sqliteTables));
  });

  it('has the same columns: names, nullability, defaults, primary and unique flags, and mapped types', () => {
    expect(pairs.flatMap(({ sqlite, pg: other }) => columnDifferences(sqlite, other))).toEqual([]);
  });

  it('has the same primary keys, indexes, foreign keys and unique constraints', () => {
    expect(pairs.flatMap(({ sqlite, pg: other }) => keyDifferences(sqlite, other))).toEqual([]);
  });
});

interface ServerColumn {
  table_schema: string;
  table_name: string;
  column_name: string;
  data_type: string;
  is_nullable: 'YES' | 'NO';
  has_default: boolean;
}

interface ServerIndex {
  table_name: string;
  index_name: string;
  is_unique: boolean;
  is_primary: boolean;
  columns: string[];
}

const COLUMNS_QUERY = `
  SELECT table_schema, table_name, column_name, data_type, is_nullable,
         (column_default IS NOT NULL OR is_identity = 'YES') AS has_default
  FROM information_schema.columns
  WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
  ORDER BY table_schema, table_name, ordinal_position`;

/** pg_indexes names the indexes; pg_index adds what each covers, in key order. */
const INDEXES_QUERY = `
  SELECT i.tablename AS table_name, i.indexname AS index_name, x.indisunique AS is_unique, x.indisprimary AS is_primary,
         array(SELECT a.attname::text FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns
  FROM pg_indexes i
  JOIN pg_class c ON c.relname = i.indexname AND c.relnamespace = 'public'::regnamespace
  JOIN pg_index x ON x.indexrelid = c.oid
  WHERE i.schemaname = 'public'
  ORDER BY i.tablename, i.indexname`;

const FOREIGN_KEYS_QUERY = `
  SELECT c.conrelid::regclass::text AS table_name,
         '(' || array_to_string(array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord), ', ') || ') -> '
         || c.confrelid::regclass::text || '('
         || array_to_string(array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord), ', ') || ')' AS reference
  FROM pg_constraint c
  WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
  ORDER BY 1, 2`;

describe('the drizzle-pg migrations on a real PostgreSQL', () => {
  let server: PostgresServer;
  let pool: pg.Pool;

  beforeAll(async () => {
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.url });
    await migrate(drizzle({ client: pool }), { migrationsFolder: MIGRATIONS_FOLDER });
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });

  const columnsOnServer = async () => (await pool.query<ServerColumn>(COLUMNS_QUERY)).rows;

  it('creates every SQLite table and nothing else but drizzle’s migrations table', async () => {
    const tables = new Set((await columnsOnServer()).map((row) => `${row.table_schema}.${row.table_name}`));
    const expected = [...sqliteTables.values()].map((table) => `public.${table.name}`);
    expect([...tables].sort()).toEqual([...expected, 'drizzle.__drizzle_migrations'].sort());
  });

  it('gives every table the SQLite columns, nullability and defaults, in the types pg/schema.ts declares', async () => {
    const onServer = await columnsOnServer();
    const differences: string[] = [];
    for (const table of sqliteTables.values()) {
      const rows = new Map(onServer.filter((row) => row.table_schema === 'public' && row.table_name === table.name).map((row) => [row.column_name, row]));
      const declared = pgSqlTypes.get(table.name) ?? new Map<string, string>();
      for (const [name, column] of table.columns) {
        const row = rows.get(name);
        if (!row) {
          differences.push(`${table.name}.${name}: missing on the server`);
          continue;
        }
        if ((row.is_nullable === 'NO') !== column.notNull) differences.push(`${table.name}.${name}: nullable ${row.is_nullable} on the server, notNull ${column.notNull} in SQLite`);
        if (row.has_default !== column.hasDefault) differences.push(`${table.name}.${name}: default ${row.has_default} on the server, ${column.hasDefault} in SQLite`);
        if (row.data_type !== declared.get(name)) differences.push(`${table.name}.${name}: ${row.data_type} on the server, ${declared.get(name) ?? 'nothing'} in pg/schema.ts (regenerate drizzle-pg?)`);
      }
      for (const name of rows.keys()) if (!table.columns.has(name)) differences.push(`${table.name}.${name}: on the server but not in SQLite`);
    }
    expect(differences).toEqual([]);
  });

  it('has the SQLite indexes by name and columns, the primary keys and the foreign keys', async () => {
    const { rows } = await pool.query<ServerIndex>(INDEXES_QUERY);
    const secondary = rows.filter((row) => !row.is_primary).map((row) => `${row.table_name}: ${row.index_name} ${row.is_unique ? 'unique ' : ''}(${row.columns.join(', ')})`);
    const expectedSecondary = [...sqliteTables.values()].flatMap((table) => [...table.indexes].map(([name, columns]) => `${table.name}: ${name} ${columns}`));
    expect(secondary.sort()).toEqual(expectedSecondary.sort());

    const primary = rows.filter((row) => row.is_primary).map((row) => `${row.table_name} (${row.columns.join(', ')})`);
    const expectedPrimary = [...sqliteTables.values()].map((table) => `${table.name} (${table.primaryKey.join(', ')})`);
    expect(primary.sort()).toEqual(expectedPrimary.sort());

    const keys = (await pool.query<{ table_name: string; reference: string }>(FOREIGN_KEYS_QUERY)).rows.map((row) => `${row.table_name}: ${row.reference}`);
    const expectedKeys = [...sqliteTables.values()].flatMap((table) => table.foreignKeys.map((key) => `${table.name}: ${key}`));
    expect(keys.sort()).toEqual(expectedKeys.sort());
  });

  it('treats a second migrate() as a no-op', async () => {
    const applied = async () => (await pool.query<{ hash: string }>('SELECT hash FROM drizzle.__drizzle_migrations ORDER BY id')).rows;
    const [before, columnsBefore] = [await applied(), await columnsOnServer()];
    await migrate(drizzle({ client: pool }), { migrationsFolder: MIGRATIONS_FOLDER });
    expect(await applied()).toEqual(before);
    const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
    expect(before).toHaveLength(journal.entries.length);
    expect(await columnsOnServer()).toEqual(columnsBefore);
  });
});
