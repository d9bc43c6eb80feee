/**
 * Files the CLI writes once, on a real temp dir: a key file is never replaced, even by a
 * `keys create` racing for the same name; a new file is whole or absent (a leftover temp file of
 * a crashed run does not block the next); a secret file that cannot take its secret leaves no
 * temp file holding it, and the error says what was issued without the secret.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeNewFile } from '../src/files';
import { createKeyFile, readKeyFile, writeNewTextFile } from '../src/key-files';
import { prepareSecretFile, withSecretFile } from '../src/secret-file';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgefleet-cli-files-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('files written once', () => {
  it('two key creations racing for one file: one wins, the other is refused, the file holds the winner', async () => {
    const path = join(dir, 'root.pem');
    const results = await Promise.allSettled([createKeyFile(path), createKeyFile(path), createKeyFile(path)]);
    const won = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const refused = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as Error] : []));
    expect(won).toHaveLength(1);
    expect(refused.map((error) => error.message)).toEqual([`${path} exists already: a key is never overwritten (choose another file name)`, `${path} exists already: a key is never overwritten (choose another file name)`]);
    expect((await readKeyFile(path, 'key')).keyid).toBe(won[0]?.keyid);
    expect(await readdir(dir)).toEqual(['root.pem']);
  });

  it('a new file: an existing one stays as it was; a stray temp file of a crashed run does not block a re-run', async () => {
    const path = join(dir, 'root.pub.pem');
    await writeFile(join(dir, '.root.pub.pem.0123456789ab.tmp'), 'half of a');
    await writeNewTextFile(path, 'whole\n', 0o644, 'taken');
    await expect(writeNewTextFile(path, 'other\n', 0o644, 'taken')).rejects.toThrow('taken');
    await expect(writeNewFile(path, 'other\n', 0o644)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(path, 'utf8')).toBe('whole\n');
    expect((await readdir(dir)).sort()).toEqual(['.root.pub.pem.0123456789ab.tmp', 'root.pub.pem']);
  });

  it('a secret file that cannot take the secret: the temp file is removed and the error names the option, not the secret', async () => {
    // A directory in the way: the temp file is made beside it, the rename over it fails.
    const taken = join(dir, 'taken');
    await mkdir(taken);
    const file = await prepareSecretFile(taken, '--token-file');
    await expect(file.commit('efa_secret')).rejects.toMatchObject({ code: 'EISDIR' });
    expect(await readdir(dir)).toEqual(['taken']);

    const lost = withSecretFile(taken, '--secret-file', () => Promise.resolve({ id: 'dev-1', secret: 'dev_secret' }), ({ id }) => ({ issued: `Device ${id} was enrolled`, again: 'Rotate it again.' }));
    await expect(lost).rejects.toMatchObject({ code: 'E_FAILED', exitCode: 1 });
    const message = await lost.catch((error: Error) => error.message);
    expect(message).toBe(`Device dev-1 was enrolled, but ${taken} could not be written (EISDIR): the secret was not printed and the hub keeps only its hash, so nobody holds it. Rotate it again.`);
    expect(await readdir(dir)).toEqual(['taken']);

    await expect(prepareSecretFile(join(dir, 'missing', 'token'), '--token-file')).rejects.toThrow(`--token-file: cannot write next to ${join(dir, 'missing', 'token')}: ENOENT`);
  });
});
