import { describe, expect, it } from 'vitest';
import { sha256Hex } from '@edgefleet/protocol';
import { checkModelBytes } from '../../src/deployment/model-bytes';

describe('checkModelBytes', () => {
  const bytes = new Uint8Array([1, 2, 3, 4]);
  it('accepts exactly the bytes the manifest names, and says what other bytes are', async () => {
    const sha256 = await sha256Hex(bytes);
    expect(await checkModelBytes({ sha256, size: 4 }, bytes)).toEqual({ ok: true });
    expect(await checkModelBytes({ sha256, size: 5 }, bytes)).toEqual({ ok: false, size: 4, sha256 });
    expect(await checkModelBytes({ sha256: 'a'.repeat(64), size: 4 }, bytes)).toEqual({ ok: false, size: 4, sha256 });
  });
});
