/**
 * The notices of the third-party packages bundled into the agent (mqtt, hono, zod, undici and
 * what they pull in). Their licences (MIT and alike) ask that the copyright notice travel with
 * every copy; bundled, the packages' own LICENSE files stay behind, so they are gathered from
 * esbuild's metafile into one file the package ships.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';

export const LICENSES_FILE = 'THIRD_PARTY_LICENSES.txt';

/** The package directory of a bundled input path, or null for a file of this repository. */
export function packageDirOf(absolutePath: string): string | null {
  const parts = absolutePath.split(sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return null;
  const scoped = (parts[at + 1] ?? '').startsWith('@');
  const end = at + (scoped ? 3 : 2);
  return end > parts.length - 1 ? null : parts.slice(0, end).join(sep);
}

/** The notices file for the bundle's inputs (absolute paths): one section per package, sorted by name. */
export async function thirdPartyNotices(inputs: readonly string[]): Promise<{ text: string; packages: string[] }> {
  const dirs = [...new Set(inputs.map(packageDirOf).filter((dir): dir is string => dir !== null))];
  const sections: Array<{ name: string; text: string }> = [];
  for (const dir of dirs) {
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string; license?: unknown };
    const name = `${pkg.name ?? dir}@${pkg.version ?? '?'}`;
    const licenseFile = (await readdir(dir)).filter((file) => /^(licen[cs]e|copying|notice)(\.|$|-)/i.test(file)).sort();
    const texts = await Promise.all(licenseFile.map((file) => readFile(join(dir, file), 'utf8')));
    const declared = typeof pkg.license === 'string' ? pkg.license : 'see the package';
    const body = texts.length > 0 ? texts.map((text) => text.trim()).join('\n\n') : `(the package ships no licence file; its package.json declares: ${declared})`;
    sections.push({ name, text: `${name} (${declared})\n\n${body}` });
  }
  sections.sort((a, b) => a.name.localeCompare(b.name));
  const rule = `\n\n${'-'.repeat(78)}\n\n`;
  const header = 'Third-party software bundled into dist/edgefleet-agent.js, with its licence notices.\nonnxruntime-node is not bundled: it is installed beside the agent as its dependency, with its own licence.';
  return { text: `${header}${rule}${sections.map((section) => section.text).join(rule)}\n`, packages: sections.map((section) => section.name) };
}
