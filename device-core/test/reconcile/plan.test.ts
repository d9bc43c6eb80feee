import { describe, expect, it } from 'vitest';
import type { ReleaseManifest } from '@edgefleet/protocol';
import { cachedFilesOf, plan, type DesiredView, type Observed, type StepKind } from '../../src/reconcile/plan';
import { makeRelease } from '../../../test/fixtures/signing';

const release = (version: string, hashChar: string, counter = Number(version)): ReleaseManifest =>
  makeRelease({ version, releaseCounter: counter, artifact: { sha256: hashChar.repeat(64), size: 10, url: `http://hub/artifacts/${hashChar.repeat(64)}` } });

const v1 = release('1', 'a');
const v2 = release('2', 'b');
const v3 = release('3', 'c');

const observed = (over: Partial<Observed> = {}): Observed => ({
  serving: null,
  candidate: null,
  cached: new Set(),
  retained: [],
  announcedSeq: null,
  failedSeq: null,
  ...over,
});
const want = (seq: number, r: ReleaseManifest, downgrade = false): DesiredView => ({ seq, release: r, downgrade });
const kinds = (steps: ReturnType<typeof plan>): StepKind[] => steps.map((s) => s.kind);

describe('plan', () => {
  const table: Array<{ name: string; current: Observed; desired: DesiredView | null; expected: StepKind[] }> = [
    { name: 'nothing desired, nothing on disk', current: observed(), desired: null, expected: [] },
    { name: 'first install downloads, loads, probes, activates', current: observed(), desired: want(1, v1), expected: ['announce', 'download', 'load', 'probe', 'activate'] },
    { name: 'announced already: no second install-started', current: observed({ announcedSeq: 1 }), desired: want(1, v1), expected: ['download', 'load', 'probe', 'activate'] },
    { name: 'file cached (rollback to previous): no download', current: observed({ serving: v2, cached: new Set(['a'.repeat(64), 'b'.repeat(64)]) }), desired: want(3, v1, true), expected: ['announce', 'load', 'probe', 'activate'] },
    { name: 'candidate loaded, not probed', current: observed({ announcedSeq: 1, candidate: { release: v1, probed: false }, cached: new Set(['a'.repeat(64)]) }), desired: want(1, v1), expected: ['probe', 'activate'] },
    { name: 'candidate probed: activate only', current: observed({ announcedSeq: 1, candidate: { release: v1, probed: true }, cached: new Set(['a'.repeat(64)]) }), desired: want(1, v1), expected: ['activate'] },
    { name: 'desired changed mid-install: discard the old candidate first', current: observed({ announcedSeq: 1, candidate: { release: v2, probed: true }, cached: new Set(['b'.repeat(64)]) }), desired: want(2, v3), expected: ['announce', 'discard-candidate', 'download', 'load', 'probe', 'activate'] },
    { name: 'converged', current: observed({ serving: v2, cached: new Set(['b'.repeat(64)]) }), desired: want(2, v2), expected: [] },
    { name: 'converged, previous kept, stranger collected', current: observed({ serving: v2, retained: ['a'.repeat(64)], cached: new Set(['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)]) }), desired: want(2, v2), expected: ['collect-garbage'] },
    { name: 'converged with a leftover candidate', current: observed({ serving: v2, candidate: { release: v3, probed: false } }), desired: want(2, v2), expected: ['discard-candidate'] },
    { name: 'install of this seq given up: wait for a newer doc', current: observed({ serving: v1, failedSeq: 2, announcedSeq: 2 }), desired: want(2, v2), expected: [] },
    { name: 'given up, candidate still loaded: release it', current: observed({ serving: v1, failedSeq: 2, candidate: { release: v2, probed: false } }), desired: want(2, v2), expected: ['discard-candidate'] },
    { name: 'a newer doc after a failure installs again', current: observed({ serving: v1, failedSeq: 2, announcedSeq: 2 }), desired: want(3, v3), expected: ['announce', 'download', 'load', 'probe', 'activate'] },
    { name: 'active file lost at restart (nothing serving): reinstall', current: observed({ announcedSeq: null }), desired: want(4, v2), expected: ['announce', 'download', 'load', 'probe', 'activate'] },
  ];
  for (const row of table) {
    it(row.name, () => expect(kinds(plan(row.current, row.desired))).toEqual(row.expected));
  }

  it('garbage collection keeps the probe blob of a release whose probe is out of line', () => {
    const blob = 'e'.repeat(64);
    const serving = { ...v2, probe: { sha256: blob, size: 70_000, tolerance: { abs: 1e-4, rel: 1e-3 } } };
    expect(cachedFilesOf(serving)).toEqual(['b'.repeat(64), blob]);
    expect(cachedFilesOf(v2)).toEqual(['b'.repeat(64)]);
    const steps = plan(observed({ serving, cached: new Set(['b'.repeat(64), 'c'.repeat(64)]) }), want(2, serving));
    expect(steps).toEqual([{ kind: 'collect-garbage', keep: ['b'.repeat(64), blob] }]);
  });

  it('garbage collection keeps serving, retained and desired hashes', () => {
    const steps = plan(observed({ serving: v2, retained: ['a'.repeat(64)], cached: new Set(['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)]) }), want(2, v2));
    expect(steps).toEqual([{ kind: 'collect-garbage', keep: ['a'.repeat(64), 'b'.repeat(64)] }]);
  });

  it('carries the seq, the release and the downgrade flag into the steps', () => {
    const steps = plan(observed({ serving: v2, cached: new Set(['a'.repeat(64)]), announcedSeq: 7 }), want(7, v1, true));
    expect(steps.at(-1)).toEqual({ kind: 'activate', seq: 7, release: v1, downgrade: true });
    expect(steps[0]).toEqual({ kind: 'load', seq: 7, release: v1 });
  });

  // Issue 11 item 11: a release is model, version and hash; the bytes are not reloaded for it.
  it('a new version with the same bytes is installed as itself on the serving session: no download, no load', () => {
    const relabelled = { ...v2, version: '2b' };
    const steps = plan(observed({ serving: v2, cached: new Set(['b'.repeat(64)]), announcedSeq: 3 }), want(3, relabelled));
    expect(steps).toEqual([
      { kind: 'share-serving', seq: 3, release: relabelled },
      { kind: 'probe', seq: 3, release: relabelled },
      { kind: 'activate', seq: 3, release: relabelled, downgrade: false },
    ]);
    // also when the serving file left the cache: the loaded session is all it needs
    expect(kinds(plan(observed({ serving: v2, announcedSeq: 3 }), want(3, relabelled)))).toEqual(['share-serving', 'probe', 'activate']);
    // and for a rollback to a twin: the previous release with the serving bytes
    expect(kinds(plan(observed({ serving: relabelled, cached: new Set(['b'.repeat(64)]) }), want(4, v2, true)))).toEqual(['announce', 'share-serving', 'probe', 'activate']);
    // bytes alike but another size is not the same artifact
    const resized = { ...v2, version: '2c', artifact: { ...v2.artifact, size: 11 } };
    expect(kinds(plan(observed({ serving: v2, cached: new Set(['b'.repeat(64)]), announcedSeq: 5 }), want(5, resized)))).toEqual(['load', 'probe', 'activate']);
  });

  describe('shadow candidate', () => {
    const s6 = release('6', 'd');
    const withShadow = (seq: number, r: ReleaseManifest, shadow: ReleaseManifest | null): DesiredView => ({ seq, release: r, downgrade: false, shadow });
    const settled = (over: Partial<Observed> = {}) => observed({ serving: v2, announcedSeq: 2, cached: new Set(['b'.repeat(64)]), ...over });
    const rows: Array<{ name: string; current: Observed; desired: DesiredView | null; expected: StepKind[] }> = [
      { name: 'converged: download, load and probe it beside the serving model', current: settled(), desired: withShadow(2, v2, s6), expected: ['download-shadow', 'load-shadow', 'probe-shadow'] },
      { name: 'its file is cached already: no download', current: settled({ cached: new Set(['b'.repeat(64), 'd'.repeat(64)]) }), desired: withShadow(2, v2, s6), expected: ['load-shadow', 'probe-shadow'] },
      { name: 'loaded, not probed: probe', current: settled({ shadow: { release: s6, probed: false } }), desired: withShadow(2, v2, s6), expected: ['probe-shadow'] },
      { name: 'running: nothing to do', current: settled({ shadow: { release: s6, probed: true }, cached: new Set(['b'.repeat(64), 'd'.repeat(64)]) }), desired: withShadow(2, v2, s6), expected: [] },
      { name: 'a doc without shadow unloads it', current: settled({ shadow: { release: s6, probed: true } }), desired: withShadow(3, v2, null), expected: ['unload-shadow'] },
      { name: 'another shadow: unload first, then install the new one', current: settled({ shadow: { release: s6, probed: true } }), desired: withShadow(3, v2, v3), expected: ['unload-shadow'] },
      { name: 'no doc at all unloads it too', current: settled({ shadow: { release: s6, probed: true } }), desired: null, expected: ['unload-shadow'] },
      { name: 'the active install comes first: no shadow steps until it serves', current: observed({ serving: v1, cached: new Set(['a'.repeat(64)]) }), desired: withShadow(2, v2, s6), expected: ['announce', 'download', 'load', 'probe', 'activate'] },
      { name: 'a stale shadow is unloaded before the install loads its candidate', current: observed({ serving: v1, shadow: { release: v3, probed: true } }), desired: withShadow(2, v2, s6), expected: ['unload-shadow'] },
      { name: 'given up for this doc: wait for a newer one', current: settled({ shadowFailed: { seq: 2, sha256: 'd'.repeat(64) } }), desired: withShadow(2, v2, s6), expected: [] },
      { name: 'a shadow with the serving bytes (another version) shares the serving session', current: settled(), desired: withShadow(2, v2, { ...v2, version: '2-twin' }), expected: ['share-serving-shadow', 'probe-shadow'] },
      { name: 'a shadow twin replaced by another twin is unloaded first', current: settled({ shadow: { release: { ...v2, version: '2-twin' }, probed: true } }), desired: withShadow(3, v2, { ...v2, version: '2-twin-b' }), expected: ['unload-shadow'] },
      { name: 'a newer doc naming it tries again', current: settled({ shadowFailed: { seq: 2, sha256: 'd'.repeat(64) } }), desired: withShadow(3, v2, s6), expected: ['download-shadow', 'load-shadow', 'probe-shadow'] },
    ];
    for (const row of rows) {
      it(row.name, () => expect(kinds(plan(row.current, row.desired))).toEqual(row.expected));
    }

    it('shadow steps carry the seq and the release; garbage collection keeps the shadow file', () => {
      expect(plan(settled(), withShadow(2, v2, s6))[0]).toEqual({ kind: 'download-shadow', seq: 2, release: s6 });
      const cached = new Set(['b'.repeat(64), 'd'.repeat(64), 'c'.repeat(64)]);
      expect(plan(settled({ cached, shadow: { release: s6, probed: true } }), withShadow(2, v2, s6))).toEqual([{ kind: 'collect-garbage', keep: ['b'.repeat(64), 'd'.repeat(64)] }]);
      // a shadow given up on is not worth its disk space
      expect(plan(settled({ cached, shadowFailed: { seq: 2, sha256: 'd'.repeat(64) } }), withShadow(2, v2, s6))).toEqual([{ kind: 'collect-garbage', keep: ['b'.repeat(64)] }]);
    });
  });
});
