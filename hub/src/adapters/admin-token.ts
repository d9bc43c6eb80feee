/** The admin bearer token: given by the operator, or generated once and kept in the data dir. */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file';

export async function loadOrCreateAdminToken(dataDir: string): Promise<{ token: string; generated: boolean; path: string }> {
  const path = join(dataDir, 'admin-token');
  try {
    const token = (await readFile(path, 'utf8')).trim();
    if (token.length >= 16) return { token, generated: false, path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(32).toString('base64url');
  await writeFileAtomic(path, `${token}\n`, 0o600);
  return { token, generated: true, path };
}
