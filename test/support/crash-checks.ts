/**
 * What a hub's data dir must look like after a crash (issue 16 "Crash safety of the hub"): the
 * SQLite file opens and passes its integrity and foreign-key checks, no upload is left half-way
 * (the staging folder is emptied at start; content folders only ever get whole files by rename),
 * and every content-addressed file holds the bytes its name says.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const CONTENT_FOLDERS = ['artifacts', 'datasets', 'probes'] as const;

/**
 * Checks the hub's SQLite file as the next start will see it (its WAL recovered) while no hub
 * runs, and returns the problems `integrity_check` and `foreign_key_check` report (empty:
 * consistent). It checks a copy of the file and its -wal and -shm: closing a connection on the
 * data dir itself would checkpoint and delete the WAL, doing the recovery the restart is there to do.
 */
export function sqliteProblems(dataDir: string): string[] {
  const copy = mkdtempSync(join(tmpdir(), 'edgefleet-sqlite-check-'));
  try {
    for (const suffix of ['', '-wal', '-shm']) {
      const from = join(dataDir, `edgefleet.db${suffix}`);
      if (suffix === '' || existsSync(from)) copyFileSync(from, join(copy, `edgefleet.db${suffix}`));
    }
    const db = new Database(join(copy, 'edgefleet.db'));
    try {
      const integrity = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
      const problems = integrity.map((row) => row.integrity_check).filter((text) => text !== 'ok');
      const foreign = db.pragma('foreign_key_check') as Array<{ table: string; rowid: number; parent: string }>;
      for (const row of foreign) problems.push(`foreign key: ${row.table} row ${row.rowid} names a missing ${row.parent}`);
      return problems;
    } finally {
      db.close();
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/** Files under the content folders whose name is not the SHA-256 of their bytes, and anything left in tmp/. */
export async function contentProblems(dataDir: string): Promise<string[]> {
  const problems: string[] = [];
  for (const folder of CONTENT_FOLDERS) {
    for (const name of await namesIn(join(dataDir, folder))) {
      const digest = createHash('sha256').update(await readFile(join(dataDir, folder, name))).digest('hex');
      if (digest !== name) problems.push(`${folder}/${name} holds bytes hashing to ${digest}`);
    }
  }
  for (const name of await namesIn(join(dataDir, 'tmp'))) problems.push(`tmp/${name} left after a start`);
  return problems;
}

/** The SHA-256 of a stored file, or null when it is missing. */
export async function storedHash(dataDir: string, folder: (typeof CONTENT_FOLDERS)[number], sha256: string): Promise<string | null> {
  try {
    return createHash('sha256').update(await readFile(join(dataDir, folder, sha256))).digest('hex');
  } catch {
    return null;
  }
}

async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}
