/**
 * The shell examples of a markdown file, as the doc test runs them (test/docs/doc-examples.test.ts).
 * Pure: text in, blocks out.
 *
 * A runnable example is a fenced block marked `sh` (indented fences inside list items count too).
 * The line right before the fence may hold one directive for the test:
 *   <!-- doc-test: skip <reason> -->            not run (root commands, systemd, external servers); a reason is required
 *   <!-- doc-test: background <url> -->         a long-running command (the hub, an agent): started, then
 *                                               the test waits until <url> answers 2xx, and stops it at the end
 *   <!-- doc-test: allow-http-errors -->        curl may answer 4xx (the example shows a refusal)
 * Blocks fenced with anything else (json, text, ts) are not run.
 */

export type DocDirective = { kind: 'run' } | { kind: 'skip'; reason: string } | { kind: 'background'; readyUrl: string } | { kind: 'allow-http-errors' };

export interface DocBlock {
  file: string;
  /** 1-based line of the opening fence */
  line: number;
  code: string;
  directive: DocDirective;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)\s*$/;
const DIRECTIVE = /^\s*<!--\s*doc-test:\s*(.*?)\s*-->\s*$/;

export function shellBlocks(file: string, markdown: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '');
    if (!open) continue;
    const [, indent = '', fence = '', language = ''] = open;
    const body: string[] = [];
    let end = i + 1;
    for (; end < lines.length; end++) {
      const line = lines[end] ?? '';
      const close = FENCE.exec(line);
      if (close && close[2]?.[0] === fence[0] && (close[2]?.length ?? 0) >= fence.length && close[3] === '') break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    if (end >= lines.length) throw new Error(`${file}:${i + 1}: a code fence is never closed`);
    if (language === 'sh') blocks.push({ file, line: i + 1, code: body.join('\n'), directive: directiveFor(file, i + 1, lines[i - 1] ?? '') });
    i = end;
  }
  return blocks;
}

function directiveFor(file: string, line: number, previous: string): DocDirective {
  const match = DIRECTIVE.exec(previous);
  if (!match) return { kind: 'run' };
  const [word = '', ...rest] = (match[1] ?? '').split(/\s+/);
  const argument = rest.join(' ').trim();
  switch (word) {
    case 'skip':
      if (argument === '') throw new Error(`${file}:${line}: "doc-test: skip" needs a reason`);
      return { kind: 'skip', reason: argument };
    case 'background':
      if (!/^https?:\/\/\S+$/.test(argument)) throw new Error(`${file}:${line}: "doc-test: background" needs the URL that answers once it is up`);
      return { kind: 'background', readyUrl: argument };
    case 'allow-http-errors':
      return { kind: 'allow-http-errors' };
    default:
      throw new Error(`${file}:${line}: unknown doc-test directive "${word}" (skip, background, allow-http-errors)`);
  }
}

/**
 * The examples name the documented ports (8080, 1883, 8181, ...); the test runs them on free ones so
 * it never collides with a hub a developer has running. Only `host:port` and `..._PORT=port` forms
 * are rewritten, so a number that merely looks like a port stays.
 */
export function withPorts(code: string, ports: ReadonlyMap<number, number>): string {
  return code.replace(/(localhost:|127\.0\.0\.1:|\[::1\]:|_PORT=)(\d{4,5})\b/g, (whole, prefix: string, port: string) => {
    const mapped = ports.get(Number(port));
    return mapped === undefined ? whole : `${prefix}${mapped}`;
  });
}
