/**
 * The hub's chain of trust documents and the release keys it signs with (THREATS "Keys"), kept
 * as files in the data dir (adapters/keys.ts) and in memory here. The hub holds no root key: a
 * new version arrives signed (POST /api/v1/trust, `add`), is checked with verifyTrustUpdate
 * against the newest, stored, and from then on the hub signs with the release keys it names.
 *
 * Replicas share the data dir: `refresh` picks up versions another replica stored (a readdir,
 * cheap), and is called before anything that hands the trust document out (retained topic,
 * device config, the chain routes) and every few seconds, so no replica hands out an older
 * version than one it could read, and none signs long with a revoked key. Listeners hear of
 * versions found that way (services/trust/follow-up.ts re-signs what devices need).
 */
import { envelopeBytes, parseEnvelope, readTrustPayload, verifyTrustUpdate, verifyWholeChain, type Envelope, type SigningKey, type TrustDoc, type VerifiedTrust } from '@edgefleet/protocol';
import { HubError } from '../../core/errors';
import { listTrustVersions, prepareTrustChain, readReleaseKeys, readTrustVersion, rootKeyOnline, trustVersionPath, writeTrustVersion, type HeldKey } from '../../adapters/keys';
import type { DocSigner } from '../../adapters/doc-signer';
import type { Logger } from '../../adapters/logger';
import { signingFor, type Signing } from './signer';
import { asEnvelope, toHubError } from './trust-input';

/** The newest version's expiry is warned about this long before it. */
const TRUST_EXPIRY_WARNING_MS = 30 * 86_400_000;

export interface TrustChange {
  from: number;
  to: number;
  /** the keys the hub signs with changed: stored manifests and docs may need new signatures */
  signingChanged: boolean;
}

export interface HeldKeyView {
  keyid: string;
  file: string;
  /** the newest trust document names it: the hub signs with it */
  signing: boolean;
}

export class TrustChain {
  private readonly listeners = new Set<(change: TrustChange) => Promise<void> | void>();
  private serial: Promise<unknown> = Promise.resolve();
  private lastCheckMs = 0;
  private checking: Promise<boolean> | null = null;
  private readonly refused = new Set<number>();
  private notifying: Promise<void> = Promise.resolve();

  private constructor(
    private readonly dataDir: string,
    private readonly logger: Logger,
    private chain: VerifiedTrust[],
    private held: HeldKey[],
    private signing: Signing,
  ) {}

  /** Loads (on a first start: makes) the chain and the release keys; refuses to start when it could sign nothing. */
  static async open(dataDir: string, now: Date, logger: Logger): Promise<TrustChain> {
    await prepareTrustChain(dataDir, now, logger);
    const versions = await listTrustVersions(dataDir);
    const texts: Uint8Array[] = [];
    for (const version of versions) {
      // The chain is contiguous from its first version; anything after a gap is not used.
      if (texts.length > 0 && version !== (versions[0] ?? 0) + texts.length) {
        logger.error('the trust chain has a gap: the versions after it are not used', { missing: (versions[0] ?? 0) + texts.length, file: trustVersionPath(dataDir, version) });
        break;
      }
      const bytes = await readTrustVersion(dataDir, version);
      if (bytes) texts.push(bytes);
    }
    let chain: VerifiedTrust[];
    try {
      chain = await verifyWholeChain(texts);
    } catch (cause) {
      throw new Error(`the trust chain in ${trustVersionPath(dataDir, versions[0] ?? 1).replace(/[^/]*$/, '')} does not verify: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    const newest = chain[chain.length - 1]?.doc as TrustDoc;
    const held = await readReleaseKeys(dataDir);
    const signing = signingFor(newest, held, dataDir);
    if (typeof signing === 'string') throw new Error(signing);
    const trust = new TrustChain(dataDir, logger, chain, held, signing);
    const rootPath = await rootKeyOnline(dataDir);
    if (rootPath) {
      logger.warn('the root key is online: it is on the hub, where anyone who takes the data dir can sign trust documents; for production move it offline (docs/keys.md)', { file: rootPath });
    }
    for (const { key, file } of held) {
      if (!signing.keys.includes(key)) logger.info('release key not named by the trust document: not used (revoked or not yet published)', { keyid: key.keyid, file });
    }
    trust.warnIfExpiring(now);
    return trust;
  }

  /** the newest trust document */
  get trust(): TrustDoc {
    return this.newest.doc;
  }

  get trustEnvelope(): Envelope {
    return this.newest.envelope;
  }

  /** the release keys the hub signs with: held, and named by the newest trust document */
  get releaseKeys(): readonly SigningKey[] {
    return this.signing.keys;
  }

  /** the first of them (tests sign attack docs with it) */
  get release(): SigningKey {
    return this.signing.keys[0] as SigningKey;
  }

  /** Signs a payload with every current release key (what ctx.signDoc does). */
  readonly signDoc: DocSigner = (payload) => this.signing.signer.payload(payload);

  /** Signs exact payload bytes (a stored manifest signed again) with every current release key. */
  signBytes(bytes: Uint8Array): Envelope {
    return this.signing.signer.bytes(bytes);
  }

  /** Every version, oldest first. */
  versions(): readonly VerifiedTrust[] {
    return this.chain;
  }

  /** One version's envelope as stored (devices walk the chain with these). */
  envelopeOf(version: number): Envelope | undefined {
    const first = this.chain[0]?.doc.version ?? 1;
    return this.chain[version - first]?.envelope;
  }

  heldKeys(): HeldKeyView[] {
    return this.held.map(({ key, file }) => ({ keyid: key.keyid, file, signing: this.signing.keys.includes(key) }));
  }

  /** Resolves once the listeners told of the changes found so far are done. */
  idle(): Promise<void> {
    return this.notifying;
  }

  /** Called after `refresh` found versions another replica stored (one change at a time). */
  onChange(listener: (change: TrustChange) => Promise<void> | void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reads versions another replica stored. `maxAgeMs`: skip when the last look is that recent
   * (device config on every request). True when the newest version changed.
   */
  refresh(maxAgeMs = 0): Promise<boolean> {
    if (maxAgeMs > 0 && Date.now() - this.lastCheckMs < maxAgeMs) return Promise.resolve(false);
    this.checking ??= this.exclusive(() => this.loadNewer()).finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  /**
   * Version N+1, signed offline: verified against the newest (both root thresholds), refused when
   * it names no release key the hub holds, stored, and from then on signed with. Throws HubError:
   * E_CONFLICT (that version exists with other content), E_ROOT_CHAIN, E_NO_RELEASE_KEY,
   * E_VALIDATION (not a trust envelope, expired). `created: false`: the same document again.
   */
  add(input: unknown, now: Date): Promise<{ change: TrustChange; created: boolean; doc: TrustDoc }> {
    return this.exclusive(async () => {
      await this.loadNewer();
      const envelope = asEnvelope(input);
      let claimed: TrustDoc;
      try {
        claimed = readTrustPayload(envelope);
      } catch (error) {
        throw toHubError(error);
      }
      const newest = this.newest.doc;
      if (claimed.version <= newest.version) {
        const stored = this.envelopeOf(claimed.version);
        if (stored && Buffer.from(envelopeBytes(stored)).equals(Buffer.from(envelopeBytes(envelope)))) {
          return { change: { from: newest.version, to: newest.version, signingChanged: false }, created: false, doc: claimed };
        }
        throw new HubError('E_CONFLICT', `trust version ${claimed.version} exists already (the newest is ${newest.version}): a new document must be version ${newest.version + 1}`);
      }
      let doc: TrustDoc;
      try {
        doc = await verifyTrustUpdate(newest, envelope, now);
      } catch (error) {
        throw toHubError(error);
      }
      const held = await readReleaseKeys(this.dataDir);
      const signing = signingFor(doc, held, this.dataDir);
      if (typeof signing === 'string') throw new HubError('E_NO_RELEASE_KEY', signing);
      if ((await writeTrustVersion(this.dataDir, doc.version, envelope)) === 'exists') {
        throw new HubError('E_CONFLICT', `trust version ${doc.version} was just stored by another replica; show the chain and try again`);
      }
      const change = this.adopt([{ doc, envelope }], held, signing);
      this.logger.info('trust document published', { version: doc.version, expires: doc.expires, release: doc.roles.release.keyids, signing: signing.keys.map((k) => k.keyid) });
      this.warnIfExpiring(now);
      return { change, created: true, doc };
    });
  }

  /** A warning when the newest version expires within 30 days (or has), else null. */
  expiryWarning(now: Date): string | null {
    const expires = Date.parse(this.trust.expires);
    const left = expires - now.getTime();
    if (left <= 0) return `trust document version ${this.trust.version} expired at ${this.trust.expires}: devices pinning it now refuse it; publish version ${this.trust.version + 1} (docs/keys.md "Renewing")`;
    if (left > TRUST_EXPIRY_WARNING_MS) return null;
    return `trust document version ${this.trust.version} expires at ${this.trust.expires} (in ${Math.ceil(left / 86_400_000)} days): publish version ${this.trust.version + 1} with the same keys before then (docs/keys.md "Renewing")`;
  }

  warnIfExpiring(now: Date): void {
    const warning = this.expiryWarning(now);
    if (warning) this.logger.warn(warning, { version: this.trust.version, expires: this.trust.expires });
  }

  private get newest(): VerifiedTrust {
    return this.chain[this.chain.length - 1] as VerifiedTrust;
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.serial.then(task, task);
    this.serial = run.catch(() => undefined);
    return run;
  }

  private async loadNewer(): Promise<boolean> {
    this.lastCheckMs = Date.now();
    const newest = this.newest.doc;
    const versions = (await listTrustVersions(this.dataDir)).filter((v) => v > newest.version);
    if (versions.length === 0) return false;
    const added: VerifiedTrust[] = [];
    let previous = newest;
    for (let version = newest.version + 1; version <= (versions[versions.length - 1] ?? 0); version++) {
      if (this.refused.has(version)) break;
      try {
        // Inside: a file that cannot be read (permissions, over the size limit) is refused like one that does not verify.
        const bytes = await readTrustVersion(this.dataDir, version);
        if (!bytes) throw new Error('the file is missing');
        const doc = await verifyTrustUpdate(previous, bytes, new Date(0), { checkExpiry: false });
        added.push({ doc, envelope: parseEnvelope(bytes, 'trust') });
        previous = doc;
      } catch (error) {
        // Said once: the versions before it are used, it and those after it are not.
        this.refused.add(version);
        this.logger.error('a trust document in the data dir does not follow the chain; it is not used', { file: trustVersionPath(this.dataDir, version), error: error instanceof Error ? error.message : String(error) });
        break;
      }
    }
    if (added.length === 0) return false;
    const held = await readReleaseKeys(this.dataDir);
    const signing = signingFor(previous, held, this.dataDir);
    if (typeof signing === 'string') this.logger.error(`${signing}; until then the hub signs with the keys of version ${newest.version}, which devices on the new version refuse`);
    const change = this.adopt(added, held, typeof signing === 'string' ? this.signing : signing);
    this.logger.info('trust chain: newer versions found in the data dir', { from: change.from, to: change.to });
    // Not awaited here: a listener may call refresh() itself, which waits for this one.
    this.notifying = this.notifying.then(() => this.notify(change));
    return true;
  }

  private async notify(change: TrustChange): Promise<void> {
    for (const listener of [...this.listeners]) {
      try {
        await listener(change);
      } catch (error) {
        this.logger.error('trust change follow-up failed', { error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  private adopt(added: VerifiedTrust[], held: HeldKey[], signing: Signing): TrustChange {
    const from = this.newest.doc.version;
    const before = [...this.signing.signer.keyids].sort().join();
    this.chain = [...this.chain, ...added];
    this.held = held;
    this.signing = signing;
    return { from, to: this.newest.doc.version, signingChanged: before !== [...signing.signer.keyids].sort().join() };
  }
}

/** What the hub context calls the trust chain. */
export type HubKeys = TrustChain;
