import { describe, expect, it } from 'vitest';
import { shellBlocks, withPorts } from '../support/doc-blocks';
import { headingAnchors } from '../support/doc-links';

describe('shellBlocks', () => {
  it('finds sh fences, indented ones too, with the directive on the line before', () => {
    const markdown = [
      '# t',
      '```sh',
      'echo one',
      '```',
      '<!-- doc-test: background http://localhost:8080/healthz -->',
      '```sh',
      'npm start',
      '```',
      '- a list item',
      '  <!-- doc-test: skip needs root -->',
      '  ```sh',
      '  apt-get install x',
      '    indented more',
      '  ```',
      '```json',
      '{"not": "run"}',
      '```',
    ].join('\n');
    const blocks = shellBlocks('doc.md', markdown);
    expect(blocks.map((block) => [block.line, block.code, block.directive])).toEqual([
      [2, 'echo one', { kind: 'run' }],
      [6, 'npm start', { kind: 'background', readyUrl: 'http://localhost:8080/healthz' }],
      [11, 'apt-get install x\n  indented more', { kind: 'skip', reason: 'needs root' }],
    ]);
  });

  it('refuses a skip without a reason, an unknown directive and an unclosed fence', () => {
    expect(() => shellBlocks('a.md', '<!-- doc-test: skip -->\n```sh\nx\n```')).toThrow('a.md:2: "doc-test: skip" needs a reason');
    expect(() => shellBlocks('a.md', '<!-- doc-test: later -->\n```sh\nx\n```')).toThrow('unknown doc-test directive "later"');
    expect(() => shellBlocks('a.md', '```sh\nx\n')).toThrow('a.md:1: a code fence is never closed');
  });
});

describe('withPorts', () => {
  it('rewrites documented ports in host:port and _PORT= forms only', () => {
    const ports = new Map([
      [8080, 40001],
      [8181, 40002],
    ]);
    expect(withPorts('curl http://localhost:8080/x http://127.0.0.1:8181/v1 EDGEFLEET_AGENT_PORT=8181 --limit 8080 localhost:9999', ports)).toBe(
      'curl http://localhost:40001/x http://127.0.0.1:40002/v1 EDGEFLEET_AGENT_PORT=40002 --limit 8080 localhost:9999',
    );
  });
});

describe('headingAnchors', () => {
  it("gives GitHub's anchors: punctuation dropped, spaces to dashes, repeats numbered, code fences skipped", () => {
    const markdown = ['# Local API', '## `GET /v1/model`: what it serves', '## Local API', '```sh', '# not a heading', '```', '### Try it here!'].join('\n');
    expect([...headingAnchors(markdown)]).toEqual(['local-api', 'get-v1model-what-it-serves', 'local-api-1', 'try-it-here']);
  });
});
