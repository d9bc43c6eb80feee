import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentStore } from '../../src/adapters/store';
import { emptyPersistedState } from '@edgefleet/device-core';
import { makeRelease, makeTestTrust, sign } from '../../../test/fixtures/signing';

describe('AgentStore', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'agent-store-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reports a missing state file as missing', async () => {
    expect(await new AgentStore(dir).loadState()).toEqual({ kind: 'missing' });
  });

  it('writes state atomically and reads it back, leaving no temp file', async () => {
    const { release } = await makeTestTrust();
    const manifest = makeRelease();
    const installed = { envelope: await sign(manifest, [release]), manifest };
    const state = { ...emptyPersistedState(), lastSeq: 7, active: installed, brokerUrl: 'mqtt://127.0.0.1:1883', trustPinned: true };
    const store = new AgentStore(dir);
    await store.saveState(state);
    await store.saveState({ ...state, lastSeq: 8 });
    expect(await store.loadState()).toEqual({ kind: 'ok', value: { ...state, lastSeq: 8 } });
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('ignores and removes a temp file left by a crash before the rename', async () => {
    const store = new AgentStore(dir);
    await store.saveState({ ...emptyPersistedState(), lastSeq: 3 });
    await writeFile(join(dir, 'state.json.tmp-999-deadbeef'), '{"v":1,"lastSeq":99');
    const loaded = await store.loadState();
    expect(loaded.kind === 'ok' && loaded.value.lastSeq).toBe(3);
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('reports a truncated state or trust file as corrupt, never as empty', async () => {
    const store = new AgentStore(dir);
    await writeFile(store.statePath, '{"v":1,"lastSeq":4,');
    await writeFile(store.trustPath, '{"envelope":{"payload":"abc"');
    expect((await store.loadState()).kind).toBe('corrupt');
    expect((await store.loadTrust()).kind).toBe('corrupt');
  });

  it('round-trips the pinned trust envelope', async () => {
    const { trustEnvelope } = await makeTestTrust();
    const store = new AgentStore(dir);
    await store.saveTrust(trustEnvelope);
    expect(await store.loadTrust()).toEqual({ kind: 'ok', value: trustEnvelope });
  });
});
