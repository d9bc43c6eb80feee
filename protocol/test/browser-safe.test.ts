/**
 * ARCHITECTURE: protocol is browser-safe (web-runtime bundles it). Its sources may use only
 * what browsers have too: WebCrypto, TextEncoder, atob/btoa, and zod.
 */
import { describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const srcDir = join(import.meta.dirname, '..', 'src');

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? sources(join(dir, e.name)) : Promise.resolve(e.name.endsWith('.ts') ? [join(dir, e.name)] : []))));
  return nested.flat();
}

describe('protocol is browser-safe', () => {
  it('imports nothing but zod and its own modules, and uses no Node globals', async () => {
    const files = await sources(srcDir);
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      // Comments may talk about Node; only code counts.
      const text = (await readFile(file, 'utf8')).replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      const imports = [...text.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]);
      for (const spec of imports) expect(spec === 'zod' || spec?.startsWith('./') || spec?.startsWith('../'), `${file} imports ${spec}`).toBe(true);
      expect(text, `${file} uses Buffer`).not.toMatch(/\bBuffer\b/);
      expect(text, `${file} uses process`).not.toMatch(/\bprocess\./);
      expect(text, `${file} uses require`).not.toMatch(/\brequire\(/);
    }
  });
});
