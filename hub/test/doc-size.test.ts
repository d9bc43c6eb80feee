/**
 * Issue 16 item 1, at the hub: it never builds a document devices would refuse for its size.
 * Devices fetch a release manifest by reference and accept at most MAX_RELEASE_MANIFEST_BYTES
 * (a deployment doc's reference to a larger one fails their schema). Given a real hub, a model
 * whose manifest (mostly its I/O spec) stays under the limit is registered and assigned, and one
 * whose manifest would exceed it is refused at upload with 422 E_DOC_TOO_LARGE naming the size
 * and the limit; nothing is registered and no device is sent anything.
 */
import { describe, expect, it } from 'vitest';
import { MAX_RELEASE_MANIFEST_BYTES, envelopeBytes, type Envelope, type ReleaseManifest } from '@edgefleet/protocol';
import type { Hub } from '../src/index';
import { GraphBuilder, encodeModel } from '../src/core/onnx';
import { api, enrol, useTestHub } from './support';

type ErrorReply = { error: { code: string; message: string; details: { document: string; size: number; limit: number } } };

/** `pairs` inputs, each passed through Identity to an output, with long names and symbolic dims: a large I/O spec. */
function wideModel(pairs: number): Uint8Array {
  const g = new GraphBuilder('wide');
  const dims = Array.from({ length: 7 }, (_, d) => `dimension_${d}_${'d'.repeat(48)}`);
  for (let i = 0; i < pairs; i++) {
    const suffix = String(i).padStart(5, '0');
    const x = g.input(`input_${suffix}_${'x'.repeat(180)}`, 'float32', dims);
    g.node('Identity', [x], [g.output(`output_${suffix}_${'y'.repeat(180)}`, 'float32', dims)]);
  }
  return encodeModel(g.build());
}

describe('release manifests devices would refuse', () => {
  let hub: Hub;
  useTestHub((started) => (hub = started.hub));

  const upload = (version: string, pairs: number) => api<ErrorReply & { version: string }>(hub, 'POST', `/api/v1/models/wide/versions?version=${version}`, { bytes: wideModel(pairs) });

  it('registers a manifest under the limit and refuses one over it with 422 E_DOC_TOO_LARGE', async () => {
    const small = await upload('1', 40);
    expect(small.status, JSON.stringify(small.body)).toBe(201);
    const view = await api<{ manifest: ReleaseManifest; manifestEnvelope: Envelope }>(hub, 'GET', '/api/v1/models/wide/versions/1');
    expect(envelopeBytes(view.body.manifestEnvelope).length).toBeLessThan(MAX_RELEASE_MANIFEST_BYTES);
    // What a pair adds to the signed envelope: its two I/O entries, base64-encoded (the probe goes to a blob when large).
    const perPair = ((JSON.stringify(view.body.manifest.io).length / 40) * 4) / 3;
    const pairs = Math.ceil((MAX_RELEASE_MANIFEST_BYTES * 1.05) / perPair);

    const large = await upload('2', pairs);
    expect(large.status, JSON.stringify(large.body).slice(0, 500)).toBe(422);
    expect(large.body.error.code).toBe('E_DOC_TOO_LARGE');
    expect(large.body.error.details).toMatchObject({ document: 'release', limit: MAX_RELEASE_MANIFEST_BYTES });
    expect(large.body.error.details.size).toBeGreaterThan(MAX_RELEASE_MANIFEST_BYTES);
    expect(large.body.error.message).toContain(`devices accept at most ${MAX_RELEASE_MANIFEST_BYTES}`);
    expect((await api(hub, 'GET', '/api/v1/models/wide/versions/2')).status).toBe(404);

    // The version under the limit is assigned as usual.
    await enrol(hub, 'dev-wide');
    expect((await api(hub, 'PUT', '/api/v1/devices/dev-wide/assignment', { json: { model: 'wide', version: '1' } })).status).toBe(200);
  }, 180_000);
});
