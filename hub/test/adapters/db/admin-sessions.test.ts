/** Console sessions on both engines: found by the hash of their secret only while unexpired, deleted once, pruned when expired. */
import { describe, expect, it } from 'vitest';
import { deleteAdminSession, insertAdminSession, liveAdminSession, pruneAdminSessions } from '../../../src/adapters/db/admin-sessions';
import { ENGINES, useBothDatabases } from './both-databases';

const databases = useBothDatabases();

describe.each(ENGINES)('admin sessions on %s', (engine) => {
  it('finds a session only before it expires, deletes it once, and prunes the expired ones', async () => {
    const db = databases[engine]();
    const row = (idHash: string, expiresAt: string) => ({ idHash: `${engine}-${idHash}`, csrfToken: `csrf-${idHash}`, createdAt: '2026-12-04T00:00:00.000Z', expiresAt });
    await insertAdminSession(db, row('a', '2026-12-04T08:00:00.000Z'));
    await insertAdminSession(db, row('b', '2026-12-04T01:00:00.000Z'));
    // Rows without a token were signed in with the bootstrap token: scope admin.
    expect(await liveAdminSession(db, `${engine}-a`, '2026-12-04T07:59:59.999Z')).toEqual({ ...row('a', '2026-12-04T08:00:00.000Z'), scope: 'admin', tokenId: null });
    expect(await liveAdminSession(db, `${engine}-a`, '2026-12-04T08:00:00.000Z')).toBeUndefined();
    expect(await liveAdminSession(db, `${engine}-nobody`, '2026-12-04T00:00:00.000Z')).toBeUndefined();
    expect(await pruneAdminSessions(db, '2026-12-04T02:00:00.000Z')).toBe(1);
    expect(await liveAdminSession(db, `${engine}-b`, '2026-12-04T00:30:00.000Z')).toBeUndefined();
    expect(await deleteAdminSession(db, `${engine}-a`)).toBe(true);
    expect(await deleteAdminSession(db, `${engine}-a`)).toBe(false);
  });
});
