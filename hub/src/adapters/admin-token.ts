/** The admin bearer token: given by the operator, or generated once and kept in the data dir. */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file';

/**
 * Where an operator finds the token, told with every refused admin request. Only the data dir's
 * relative name and the variable: the server's absolute paths are not for unauthenticated callers.
 */
export const ADMIN_TOKEN_HINT = 'the hub generated one on first start in <data dir>/admin-token (mode 0600; EDGEFLEET_DATA_DIR, default ./data), unless it was set with EDGEFLEET_ADMIN_TOKEN';

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
