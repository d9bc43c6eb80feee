/**
 * The trust use cases of the admin API: what the hub trusts now, its chain, and publishing the
 * next version (signed offline by the root key holders: the hub holds no root key). Publishing
 * stores the version, audits `trust.published`, hands it to the broker retained and, when the
 * release keys changed, signs again what devices need (follow-up.ts) before it answers.
 */
import { basename } from 'node:path';
import type { Envelope, TrustDoc } from '@edgefleet/protocol';
import { writeAudit } from '../../adapters/db/audit';
import type { HubContext } from '../context';
import { followTrustChange, followUpAgain } from './follow-up';
import type { Resigned, ResignDeps } from './resign';

export interface TrustVersionView {
  version: number;
  expires: string;
  root: { keyids: string[]; threshold: number };
  release: { keyids: string[]; threshold: number };
}

export interface TrustView extends TrustVersionView {
  /** days until `expires` (negative once expired) */
  expiresInDays: number;
  /** set within 30 days of expiry and after it: what to do */
  warning: string | null;
  /** the oldest version the hub keeps: devices pinned below it cannot walk to the newest */
  firstVersion: number;
  /** the release keys the hub signs with */
  signingKeyids: string[];
  /** every keys/release*.pem, and whether the newest version names it */
  heldReleaseKeys: Array<{ keyid: string; file: string; signing: boolean }>;
  envelope: Envelope;
}

export const versionView = (doc: TrustDoc): TrustVersionView => ({
  version: doc.version,
  expires: doc.expires,
  root: { keyids: doc.roles.root.keyids, threshold: doc.roles.root.threshold },
  release: { keyids: doc.roles.release.keyids, threshold: doc.roles.release.threshold },
});

export async function currentTrust(ctx: Pick<HubContext, 'keys' | 'now'>): Promise<TrustView> {
  await ctx.keys.refresh();
  const { keys } = ctx;
  const now = ctx.now();
  return {
    ...versionView(keys.trust),
    expiresInDays: Math.floor((Date.parse(keys.trust.expires) - now.getTime()) / 86_400_000),
    warning: keys.expiryWarning(now),
    firstVersion: keys.versions()[0]?.doc.version ?? keys.trust.version,
    signingKeyids: keys.releaseKeys.map((k) => k.keyid),
    heldReleaseKeys: keys.heldKeys().map((held) => ({ ...held, file: `keys/${basename(held.file)}` })),
    envelope: keys.trustEnvelope,
  };
}

export async function trustVersions(ctx: Pick<HubContext, 'keys'>): Promise<TrustVersionView[]> {
  await ctx.keys.refresh();
  return ctx.keys.versions().map(({ doc }) => versionView(doc));
}

export interface PublishedTrust extends TrustVersionView {
  /** false: this exact document was published already (nothing changed) */
  created: boolean;
  /** what was signed again under the new release keys */
  resigned: Resigned;
}

export async function publishTrust(ctx: ResignDeps & Pick<HubContext, 'db'>, input: unknown, actor: string): Promise<PublishedTrust> {
  const { change, created, doc } = await ctx.keys.add(input, ctx.now());
  if (!created) return { ...versionView(doc), created, resigned: await followUpAgain(ctx) };
  let resigned: Resigned;
  try {
    await writeAudit(ctx.db, {
      at: ctx.now(),
      actor,
      action: 'trust.published',
      subject: `trust:${doc.version}`,
      details: { from: change.from, ...versionView(doc), signingChanged: change.signingChanged },
    });
  } finally {
    // The version is stored and signed with already: the broker and the signatures follow even
    // when the audit row could not be written.
    resigned = await followTrustChange(ctx, change);
  }
  return { ...versionView(doc), created, resigned };
}
