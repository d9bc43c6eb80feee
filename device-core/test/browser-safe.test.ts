/**
 * The device core must stay browser-safe (its index.ts says why): bundling its entry for the
 * browser must succeed, and nothing in the bundle may come from Node's builtins or the agent's
 * Node-only dependencies. Anyone who imports such code into the core, directly or through a
 * module it imports, fails here rather than in the browser runtime's build.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { build, stop } from 'esbuild';

const ENTRY = fileURLToPath(new URL('../src/index.ts', import.meta.url));

/**
 * Inputs a browser bundle must never hold: node: builtins (esbuild refuses those for the browser
 * anyway), the agent's Node-only packages (mqtt and hono do bundle for the browser, so only this
 * check catches them) and the agent itself.
 */
const NODE_ONLY = [/^node:/, /(^|\/)node_modules\/(mqtt|onnxruntime-node|hono|@hono\/[^/]+)\//, /^agent\//];

describe('device-core is browser-safe', () => {
  afterAll(() => stop());

  it('bundles for the browser with no Node-only input', async () => {
    const result = await build({
      entryPoints: [ENTRY],
      platform: 'browser',
      format: 'esm',
      bundle: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    // The bundle did read the core and the protocol it builds on (a vacuous pass proves nothing).
    expect(inputs.some((path) => path.includes('device-core/src/deployment/deployment-acceptance.ts'))).toBe(true);
    expect(inputs.some((path) => path.includes('protocol/src/verify-doc.ts'))).toBe(true);
    expect(inputs.filter((path) => NODE_ONLY.some((pattern) => pattern.test(path)))).toEqual([]);
  });
});
