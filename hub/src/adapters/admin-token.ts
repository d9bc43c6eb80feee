/** The admin bearer token: given by the operator, or generated once and kept in the data dir. */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file';

/** Where this hub's bootstrap admin token came from: given at start (HubOptions.adminToken: EDGEFLEET_ADMIN_TOKEN, or a program embedding the hub), or <data dir>/admin-token. */
export type AdminTokenSource = 'given' | 'file';

/**
 * Where an operator finds the token, told with every refused admin request: the one place this
 * hub takes it from (a file left from an earlier start is not it while EDGEFLEET_ADMIN_TOKEN is
 * set). Only the data dir's relative name and the variable: the server's absolute paths are not
 * for unauthenticated callers.
 */
export function adminTokenHint(source: AdminTokenSource): string {
  return source === 'given'
    ? 'this hub was given its admin token at start (EDGEFLEET_ADMIN_TOKEN in its environment, or by the program that started it); <data dir>/admin-token is not read then'
    : 'the hub keeps its admin token in <data dir>/admin-token (mode 0600; EDGEFLEET_DATA_DIR, default ./data), generated on first start unless one was put there';
}

/**
 * With EDGEFLEET_ADMIN_TOKEN set: the path of an admin-token file in the data dir that holds
 * another token (left from a start without the variable), which an operator may take for the
 * token and be refused with; null when there is none.
 */
export async function ignoredTokenFile(dataDir: string, token: string): Promise<string | null> {
  const path = join(dataDir, 'admin-token');
  try {
    return (await readFile(path, 'utf8')).trim() === token ? null : path;
  } catch {
    return null;
  }
}

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
