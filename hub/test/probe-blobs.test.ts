/**
 * Issue 11 item 7: a large probe leaves the signed manifest. Given Silero VAD v5 uploaded with a
 * probe of 16 frames (about 100 KB of probe JSON), the manifest carries `{ sha256, size,
 * tolerance }` of a probe blob and stays small; the blob is served on the artifact route to a
 * device a release assigned to it names, refused to any other device, and hashes to what the
 * signed manifest says. A one-frame probe stays inline, exactly as before.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { envelopeBytes, isProbeRef, openProbeBlob, type Envelope, type ReleaseManifest } from '@edgefleet/protocol';
import type { Hub } from '../src/hub';
import { PROBE_INLINE_MAX_BYTES } from '../src/core/probe-blob';
import { SILERO_PROBE, SILERO_V5, api, basicAuth, enrol, useTestHub } from './support';

/** 16 frames of 512 samples and their recurrent state: 12,288 elements, far above the inline limit. */
const LARGE_PROBE = encodeURIComponent(JSON.stringify({ input: { dims: [16, 512] }, state: { dims: [2, 16, 128] }, sr: { dims: [], data: [16000] } }));

interface VersionView {
  sha256: string;
  manifest: ReleaseManifest;
  manifestEnvelope: Envelope;
  probe: { inputs: Record<string, { dims: number[] }> };
}

describe('large probes as hash-addressed blobs', () => {
  let hub: Hub;
  useTestHub((started) => (hub = started.hub));

  const upload = async (version: string, probe: string): Promise<VersionView> => {
    const bytes = new Uint8Array(await readFile(SILERO_V5));
    const reply = await api(hub, 'POST', `/api/v1/models/vad/versions?version=${version}&probe=${probe}`, { bytes });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    const view = await api<VersionView>(hub, 'GET', `/api/v1/models/vad/versions/${version}`);
    expect(view.status).toBe(200);
    return view.body;
  };
  const fetchBlob = (sha256: string, authorization: string) => fetch(`${hub.httpUrl}/artifacts/${sha256}`, { headers: { authorization } });

  it('keeps a small probe inline, as before', async () => {
    const small = await upload('1', SILERO_PROBE);
    expect(isProbeRef(small.manifest.probe)).toBe(false);
    expect(small.manifest.probe).toEqual(small.probe);
  });

  it('signs a small manifest that names the large probe by hash, and serves the blob only to assigned devices', async () => {
    const large = await upload('2', LARGE_PROBE);
    const { probe } = large.manifest;
    if (!isProbeRef(probe)) throw new Error(`expected a probe reference, got an inline probe of ${JSON.stringify(Object.keys(probe))}`);
    expect(probe.size).toBeGreaterThan(PROBE_INLINE_MAX_BYTES);
    expect(probe.tolerance).toEqual({ abs: 1e-4, rel: 1e-3 });
    // The envelope devices fetch: the large probe would have made it over 130 KB (base64 of 100 KB).
    expect(envelopeBytes(large.manifestEnvelope).length).toBeLessThan(16 * 1024);
    expect(large.probe.inputs['input']?.dims).toEqual([16, 512]);

    const assigned = await enrol(hub, 'dev-assigned');
    const other = await enrol(hub, 'dev-other');
    expect((await api(hub, 'PUT', '/api/v1/devices/dev-assigned/assignment', { json: { model: 'vad', version: '2' } })).status).toBe(200);
    expect((await api(hub, 'PUT', '/api/v1/devices/dev-other/assignment', { json: { model: 'vad', version: '1' } })).status).toBe(200);

    const served = await fetchBlob(probe.sha256, basicAuth('dev-assigned', assigned));
    expect(served.status).toBe(200);
    const bytes = new Uint8Array(await served.arrayBuffer());
    expect(bytes.length).toBe(probe.size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(probe.sha256);
    const opened = await openProbeBlob(probe, bytes);
    expect(opened.inputs['input']?.dims).toEqual([16, 512]);
    expect(opened).toEqual(large.probe);

    // Enrolled, authenticated, but no release assigned to it names the blob.
    const refused = await fetchBlob(probe.sha256, basicAuth('dev-other', other));
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('E_FORBIDDEN');
    expect((await fetchBlob(probe.sha256, basicAuth('dev-other', 'wrong-secret'))).status).toBe(401);
    // Operators may fetch it; the model file itself is served as before.
    expect((await fetchBlob(probe.sha256, `Bearer ${hub.adminToken}`)).status).toBe(200);
    expect((await fetchBlob(large.sha256, basicAuth('dev-other', other))).status).toBe(200);

    // Moved on, the device keeps the release as its previous one (for a rollback) and may still fetch it.
    expect((await api(hub, 'PUT', '/api/v1/devices/dev-assigned/assignment', { json: { model: 'vad', version: '1' } })).status).toBe(200);
    const previous = await fetchBlob(probe.sha256, basicAuth('dev-assigned', assigned));
    expect(previous.status).toBe(200);
    await previous.arrayBuffer();
  });
});
