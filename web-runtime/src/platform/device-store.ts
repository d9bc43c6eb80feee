/**
 * What a browser device keeps across page loads, in IndexedDB (idb-keyval: one small, well-kept
 * wrapper instead of our own IDBRequest plumbing): its credential, its pinned trust document and
 * its persisted state (the same record an agent keeps in state.json), and the statistics windows
 * not yet acknowledged by the broker. Each `set` is one IndexedDB transaction: a record is
 * always one whole version, never half written, so a tab closed mid-write loses nothing it had.
 */
import { clear, createStore, del, entries, get, promisifyRequest, set, type UseStore } from 'idb-keyval';
import type { PersistedState } from '@edgefleet/device-core';
import type { Envelope, StatsWindow } from '@edgefleet/protocol';
import { WebRuntimeError } from '../errors';

/** What `POST /device/v1/enrol` answered, kept so the page never needs the token again. */
export interface DeviceCredential {
  id: string;
  secret: string;
  ring: string;
  hubUrl: string;
  mqttWsUrl: string;
}

export class DeviceStore {
  private readonly records: UseStore;
  private readonly outbox: UseStore;

  constructor(database: string) {
    // idb-keyval creates a database's one object store when it first opens it: a store each.
    this.records = createStore(database, 'records');
    this.outbox = createStore(`${database}-outbox`, 'windows');
  }

  credential(): Promise<DeviceCredential | undefined> {
    return this.read<DeviceCredential>('credential');
  }

  saveCredential(credential: DeviceCredential): Promise<void> {
    return this.write('credential', credential);
  }

  trust(): Promise<Envelope | undefined> {
    return this.read<Envelope>('trust');
  }

  saveTrust(envelope: Envelope): Promise<void> {
    return this.write('trust', envelope);
  }

  state(): Promise<PersistedState | undefined> {
    return this.read<PersistedState>('state');
  }

  saveState(state: PersistedState): Promise<void> {
    return this.write('state', state);
  }

  /** Unsent windows in the order they were stored (keys are zero-padded sequence numbers). */
  async windows(): Promise<Array<{ key: string; window: StatsWindow }>> {
    const all = await this.guard('read the statistics outbox', () => entries<string, StatsWindow>(this.outbox));
    return all.map(([key, window]) => ({ key, window })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  addWindow(key: string, window: StatsWindow): Promise<void> {
    return this.guard('store a statistics window', () => set(key, window, this.outbox));
  }

  /** Stores `window` under `into` and removes `remove` in one transaction: both happen or neither. */
  replaceWindows(into: string, window: StatsWindow, remove: string): Promise<void> {
    return this.guard('merge statistics windows', () =>
      this.outbox('readwrite', (store) => {
        store.put(window, into);
        store.delete(remove);
        return promisifyRequest(store.transaction);
      }),
    );
  }

  removeWindow(key: string): Promise<void> {
    return this.guard('remove a sent statistics window', () => del(key, this.outbox));
  }

  /** Forgets everything: the credential, trust, state and unsent windows. */
  async clearAll(): Promise<void> {
    await this.guard('forget the device', () => clear(this.records));
    await this.guard('forget unsent windows', () => clear(this.outbox));
  }

  private read<T>(key: string): Promise<T | undefined> {
    return this.guard(`read ${key}`, () => get<T>(key, this.records));
  }

  private write(key: string, value: unknown): Promise<void> {
    return this.guard(`write ${key}`, () => set(key, value, this.records));
  }

  private async guard<T>(what: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (cause) {
      // Private windows and full quotas refuse IndexedDB: say so instead of a DOMException.
      throw new WebRuntimeError('E_STORAGE', `IndexedDB could not ${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
  }
}
