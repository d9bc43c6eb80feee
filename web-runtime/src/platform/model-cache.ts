/**
 * Verified model files (and probe blobs) kept in Cache Storage, named by their SHA-256. Only bytes
 * that verified are put here, and every read verifies them again (size and SHA-256 against what
 * the caller's signed manifest names) before anyone gets them: storage a page shares with its
 * origin's other scripts, extensions or a damaged disk cannot hand onnxruntime-web other bytes.
 * Bytes that no longer verify are deleted, so the next install fetches them again.
 */
import { checkModelBytes } from '@edgefleet/device-core';
import { WebRuntimeError } from '../errors';

const CACHE_NAME = 'edgefleet-models';
/** Cache Storage keys are requests: a path under the runtime's own prefix, never fetched. */
const keyOf = (sha256: string): string => new URL(`/web-runtime/cache/${sha256}`, location.origin).href;
const SHA256 = /^[0-9a-f]{64}$/;

export type CachedRead = { kind: 'hit'; bytes: Uint8Array } | { kind: 'miss' } | { kind: 'damaged'; sha256: string; size: number };

export class ModelCache {
  private open(): Promise<Cache> {
    return caches.open(CACHE_NAME).catch((cause: unknown) => {
      throw new WebRuntimeError('E_STORAGE', `Cache Storage unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    });
  }

  /** The bytes named `sha256` of `size`, verified now; damaged ones are deleted and reported. */
  async read(artifact: { sha256: string; size: number }): Promise<CachedRead> {
    const cache = await this.open();
    const response = await cache.match(keyOf(artifact.sha256));
    if (!response) return { kind: 'miss' };
    const bytes = new Uint8Array(await response.arrayBuffer());
    const verdict = await checkModelBytes(artifact, bytes);
    if (verdict.ok) return { kind: 'hit', bytes };
    await cache.delete(keyOf(artifact.sha256));
    return { kind: 'damaged', sha256: verdict.sha256, size: verdict.size };
  }

  /** Stores bytes the caller has just verified against `sha256`. */
  async write(sha256: string, bytes: Uint8Array): Promise<void> {
    const cache = await this.open();
    try {
      await cache.put(keyOf(sha256), new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream' } }));
    } catch (cause) {
      // A full quota must not fail the install: the model is loaded from memory and simply not kept.
      throw new WebRuntimeError('E_STORAGE', `could not keep model ${sha256.slice(0, 12)} in Cache Storage: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
  }

  /** Every hash held. */
  async list(): Promise<Set<string>> {
    const cache = await this.open();
    const held = new Set<string>();
    for (const request of await cache.keys()) {
      const name = new URL(request.url).pathname.split('/').pop() ?? '';
      if (SHA256.test(name)) held.add(name);
    }
    return held;
  }

  /** Forgets every cached model. */
  async clearAll(): Promise<void> {
    await caches.delete(CACHE_NAME);
  }

  /** Deletes every entry not in `keep`; returns what went. */
  async collectGarbage(keep: ReadonlySet<string>): Promise<string[]> {
    const cache = await this.open();
    const removed: string[] = [];
    for (const sha256 of await this.list()) {
      if (keep.has(sha256)) continue;
      await cache.delete(keyOf(sha256));
      removed.push(sha256);
    }
    return removed;
  }
}
