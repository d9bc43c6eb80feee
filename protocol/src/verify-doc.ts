/**
 * Verification of signed documents, in the order that keeps attacker-controlled bytes away from
 * the parser: envelope shape -> signatures over exact bytes -> JSON -> type -> schema -> rules.
 */
import { envelopeSchema, type Envelope } from './schemas/common';
import { deploymentDocSchema, isReleaseRef, type DeploymentDoc, type ReleaseSource } from './schemas/deployment';
import { openReleaseRef, type ReleaseFetcher } from './release-ref';
import { releaseManifestSchema, type ReleaseManifest } from './schemas/release';
import { trustDocSchema, type TrustDoc, type TrustRole } from './schemas/trust';
import { verifyEnvelopeSignatures, type PublicKeyring } from './envelope';
import { ProtocolError } from './errors';
import { parseJsonBytes, parseWith } from './parse';
import { fromBase64 } from './bytes';
import { checkEnvelopeSize } from './doc-limits';
import type { z } from 'zod';

type DocType = 'release' | 'deployment' | 'trust';

const keyringOf = (trust: TrustDoc): PublicKeyring => ({ get: (keyid) => trust.keys[keyid]?.public });

/** Accepts an envelope as bytes (off the wire) or as an already-parsed value (embedded). */
export function parseEnvelope(input: Uint8Array | unknown, what: string): Envelope {
  // Before any parsing: an oversized document costs nothing but this comparison (doc-limits.ts).
  if (input instanceof Uint8Array) checkEnvelopeSize(input.length, what);
  const value = input instanceof Uint8Array ? parseJsonBytes(input, what) : input;
  return parseWith(envelopeSchema, value, `${what} envelope`);
}

async function openSigned<S extends z.ZodType>(
  envelope: Envelope,
  type: DocType,
  schema: S,
  role: TrustRole,
  keys: PublicKeyring,
): Promise<z.infer<S>> {
  const payloadBytes = await verifyEnvelopeSignatures(envelope, role, keys);
  const payload = parseJsonBytes(payloadBytes, `${type} payload`);
  const actualType = typeof payload === 'object' && payload !== null && 'type' in payload ? payload.type : undefined;
  // THREATS 5: a validly signed doc of another type must never be taken for this one.
  // Only a string is quoted: JSON.stringify of a deeply nested `type` overflowed the call stack.
  if (actualType !== type) throw new ProtocolError('E_WRONG_TYPE', `expected a ${type} document, got ${typeof actualType === 'string' ? JSON.stringify(actualType.slice(0, 64)) : typeof actualType}`);
  return parseWith(schema, payload, type);
}

function checkNotExpired(expires: string, now: Date, what: string): void {
  if (Date.parse(expires) <= now.getTime()) throw new ProtocolError('E_EXPIRED', `${what} expired at ${expires}`);
}

/** A release manifest signed by the trust document's release role. */
export async function verifyRelease(input: Uint8Array | unknown, trust: TrustDoc): Promise<ReleaseManifest> {
  return openSigned(parseEnvelope(input, 'release'), 'release', releaseManifestSchema, trust.roles.release, keyringOf(trust));
}

/** A first trust document (trust on first use or provisioned): signed by its own root threshold. */
export async function verifyInitialTrust(input: Uint8Array | unknown, now: Date): Promise<TrustDoc> {
  const envelope = parseEnvelope(input, 'trust');
  // Read the claimed root role first, then require the envelope to satisfy it.
  const claimed = openUnverifiedTrust(envelope);
  const trust = await openSigned(envelope, 'trust', trustDocSchema, claimed.roles.root, keyringOf(claimed));
  checkNotExpired(trust.expires, now, 'trust document');
  return trust;
}

/**
 * Trust document N+1: signed by a threshold of N's root keys and of its own (THREATS 10).
 * Versions are walked one at a time; anything else is E_ROOT_CHAIN. Only the version a walk ends
 * on is checked for expiry (`checkExpiry: false` for the ones on the way, as TUF does): a device
 * a year behind must still be able to walk through versions that have expired since.
 */
export async function verifyTrustUpdate(current: TrustDoc, input: Uint8Array | unknown, now: Date, options: { checkExpiry?: boolean } = {}): Promise<TrustDoc> {
  const envelope = parseEnvelope(input, 'trust');
  const claimed = openUnverifiedTrust(envelope);
  if (claimed.version !== current.version + 1) {
    throw new ProtocolError('E_ROOT_CHAIN', `trust version ${claimed.version} does not follow ${current.version}`);
  }
  try {
    await verifyEnvelopeSignatures(envelope, current.roles.root, keyringOf(current));
    await verifyEnvelopeSignatures(envelope, claimed.roles.root, keyringOf(claimed));
  } catch (cause) {
    throw new ProtocolError('E_ROOT_CHAIN', `trust version ${claimed.version} is not signed by both root thresholds`, { cause });
  }
  if (options.checkExpiry !== false) checkNotExpired(claimed.expires, now, `trust document version ${claimed.version}`);
  return claimed;
}

function openUnverifiedTrust(envelope: Envelope): TrustDoc {
  const bytes = fromBase64(envelope.payload);
  if (!bytes) throw new ProtocolError('E_SCHEMA', 'trust envelope payload is not base64');
  const payload = parseJsonBytes(bytes, 'trust payload');
  if (typeof payload !== 'object' || payload === null || !('type' in payload) || payload.type !== 'trust') {
    throw new ProtocolError('E_WRONG_TYPE', 'expected a trust document');
  }
  return parseWith(trustDocSchema, payload, 'trust');
}

/** What the agent knows when a deployment doc arrives. */
export interface DeploymentContext {
  trust: TrustDoc;
  deviceId: string;
  now: Date;
  /** the last seq this device accepted (0 before any); survives restarts */
  lastSeq: number;
  /** the release currently serving, for downgrade protection */
  active: Pick<ReleaseManifest, 'model' | 'releaseCounter'> | null;
  runtime: { version: string; maxOpset: number };
  /**
   * Fetches a manifest the doc names by reference (the hub sends references). Its errors (the hub
   * unreachable) propagate as they are: the doc is not refused, the caller tries it again later.
   * Without it, a doc with references is refused.
   */
  fetchRelease?: ReleaseFetcher;
}

/**
 * The doc's shadow candidate, verified like `active` (signature by the release role, type,
 * schema, compat) except for downgrade protection (a shadow serves nothing, so any version may
 * run). A refused shadow never refuses the doc: the device serves `active` and reports it.
 */
export type ShadowVerdict = { kind: 'ok'; release: ReleaseManifest; envelope: Envelope } | { kind: 'rejected'; error: ProtocolError };

export type DeploymentVerdict =
  | {
      kind: 'accept';
      doc: DeploymentDoc;
      release: ReleaseManifest;
      /** the active release's signed envelope (fetched when the doc names it by reference) */
      envelope: Envelope;
      /** the fallback release, when the doc carries it inline (a reference is not fetched: the device keeps its own) */
      previous: ReleaseManifest | null;
      downgrade: boolean;
      shadow: ShadowVerdict | null;
    }
  /** PROTOCOL: the same seq again (retained redelivery, or other content) changes nothing */
  | { kind: 'ignore'; seq: number; reason: string };

/** Every check of THREATS rows 2-9, 11 and 12 that can be made before downloading anything. */
export async function verifyDeployment(input: Uint8Array | unknown, ctx: DeploymentContext): Promise<DeploymentVerdict> {
  const envelope = parseEnvelope(input, 'deployment');
  const keys = keyringOf(ctx.trust);
  const doc = await openSigned(envelope, 'deployment', deploymentDocSchema, ctx.trust.roles.release, keys);
  if (doc.device !== ctx.deviceId) throw new ProtocolError('E_NOT_FOR_DEVICE', `deployment is for device ${doc.device}, not ${ctx.deviceId}`);
  if (doc.seq < ctx.lastSeq) throw new ProtocolError('E_ROLLBACK', `deployment seq ${doc.seq} is older than accepted seq ${ctx.lastSeq}`);
  if (doc.seq === ctx.lastSeq) return { kind: 'ignore', seq: doc.seq, reason: 'seq already acted on' };
  checkNotExpired(doc.expires, ctx.now, `deployment seq ${doc.seq}`);

  const activeEnvelope = await releaseEnvelope(doc.active, ctx);
  const release = await openSigned(activeEnvelope, 'release', releaseManifestSchema, ctx.trust.roles.release, keys);
  const previous = doc.previous && !isReleaseRef(doc.previous) ? await openSigned(doc.previous, 'release', releaseManifestSchema, ctx.trust.roles.release, keys) : null;

  const downgrade = ctx.active !== null && ctx.active.model === release.model && release.releaseCounter < ctx.active.releaseCounter;
  if (downgrade && !doc.allowDowngrade) {
    throw new ProtocolError(
      'E_DOWNGRADE_NOT_AUTHORIZED',
      `${release.model} release ${release.releaseCounter} is older than serving release ${ctx.active?.releaseCounter} and the doc does not allow a downgrade`,
    );
  }
  checkCompatible(release, ctx.runtime);
  const shadow = doc.shadow ? await verifyShadow(doc.shadow, ctx, keys) : null;
  return { kind: 'accept', doc, release, envelope: activeEnvelope, previous, downgrade, shadow };
}

/** The envelope of a release the doc names: inline as it is, or fetched and checked against its reference. */
async function releaseEnvelope(source: ReleaseSource, ctx: DeploymentContext): Promise<Envelope> {
  if (!isReleaseRef(source)) return source;
  if (!ctx.fetchRelease) throw new ProtocolError('E_SCHEMA', 'the deployment doc names its release by reference and this device cannot fetch it');
  return openReleaseRef(source, await ctx.fetchRelease(source));
}

async function verifyShadow(source: ReleaseSource, ctx: DeploymentContext, keys: PublicKeyring): Promise<ShadowVerdict> {
  // A failed fetch is not the shadow's fault: it propagates, and the whole doc is tried again.
  const fetched = isReleaseRef(source) && ctx.fetchRelease ? await ctx.fetchRelease(source) : null;
  try {
    const envelope = !isReleaseRef(source) ? source : fetched ? await openReleaseRef(source, fetched) : await releaseEnvelope(source, ctx);
    const release = await openSigned(envelope, 'release', releaseManifestSchema, ctx.trust.roles.release, keys);
    checkCompatible(release, ctx.runtime);
    return { kind: 'ok', release, envelope };
  } catch (error) {
    const message = `shadow: ${error instanceof Error ? error.message : String(error)}`;
    return { kind: 'rejected', error: new ProtocolError(error instanceof ProtocolError ? error.code : 'E_SCHEMA', message, { cause: error }) };
  }
}

function checkCompatible(release: ReleaseManifest, runtime: DeploymentContext['runtime']): void {
  const { minRuntime, opset } = release.compat;
  if (minRuntime !== undefined && compareVersions(runtime.version, minRuntime) < 0) {
    throw new ProtocolError('E_INCOMPATIBLE', `${release.model}@${release.version} needs runtime >= ${minRuntime}, device has ${runtime.version}`);
  }
  if (opset !== undefined && opset > runtime.maxOpset) {
    throw new ProtocolError('E_INCOMPATIBLE', `${release.model}@${release.version} needs opset ${opset}, device supports up to ${runtime.maxOpset}`);
  }
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const pb = b.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}
