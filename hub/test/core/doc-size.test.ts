/** core/doc-size.ts: what the hub refuses to send because devices would refuse it for its size (422 E_DOC_TOO_LARGE). */
import { describe, expect, it } from 'vitest';
import { MAX_RELEASE_MANIFEST_BYTES, MAX_SIGNED_DOC_BYTES } from '@edgefleet/protocol';
import { refuseOversizedDoc, refuseOversizedManifest } from '../../src/core/doc-size';
import { HubError } from '../../src/core/errors';

const thrown = (run: () => void): HubError => {
  try {
    run();
  } catch (error) {
    if (error instanceof HubError) return error;
    throw error;
  }
  throw new Error('expected a HubError');
};

describe('document size limits at the hub', () => {
  it('passes a release manifest up to MAX_RELEASE_MANIFEST_BYTES and refuses one byte more, naming size and limit', () => {
    expect(() => refuseOversizedManifest({ model: 'm', version: '1' }, MAX_RELEASE_MANIFEST_BYTES)).not.toThrow();
    const error = thrown(() => refuseOversizedManifest({ model: 'm', version: '1' }, MAX_RELEASE_MANIFEST_BYTES + 1));
    expect(error.code).toBe('E_DOC_TOO_LARGE');
    expect(error.message).toContain(`m@1 is ${MAX_RELEASE_MANIFEST_BYTES + 1} bytes; devices accept at most ${MAX_RELEASE_MANIFEST_BYTES}`);
    expect(error.details).toEqual({ document: 'release', size: MAX_RELEASE_MANIFEST_BYTES + 1, limit: MAX_RELEASE_MANIFEST_BYTES });
  });

  it('passes a deployment doc up to MAX_SIGNED_DOC_BYTES and refuses one byte more', () => {
    expect(() => refuseOversizedDoc('dev-1', MAX_SIGNED_DOC_BYTES)).not.toThrow();
    expect(thrown(() => refuseOversizedDoc('dev-1', MAX_SIGNED_DOC_BYTES + 1))).toMatchObject({ code: 'E_DOC_TOO_LARGE', details: { document: 'deployment', limit: MAX_SIGNED_DOC_BYTES } });
  });
});
