/**
 * What follows a new trust version, on the replica that published it and on every replica that
 * notices it in the shared data dir: the retained trust topic gets the newest version (never an
 * older one over a newer: `handOverTrust`), and when the release keys changed, what devices need
 * is signed again (resign.ts). One follow-up at a time per hub; a periodic look at the data dir
 * (`watchTrust`) finds versions other replicas stored, and warns daily before the newest expires.
 */
import { TRUST_TOPIC } from '@edgefleet/protocol';
import type { HubContext } from '../context';
import { resignForTrust, type ResignDeps, type Resigned } from './resign';
import type { TrustChange } from './trust-chain';

/** The highest trust version this process handed to each broker (a test may run several hubs). */
const handedOver = new WeakMap<object, number>();

/** The newest trust envelope as the retained payload; refreshes first, and notes the version as handed over. */
export async function retainedTrust(ctx: Pick<HubContext, 'broker' | 'keys'>): Promise<string> {
  await ctx.keys.refresh();
  handedOver.set(ctx.broker, Math.max(handedOver.get(ctx.broker) ?? 0, ctx.keys.trust.version));
  return JSON.stringify(ctx.keys.trustEnvelope);
}

/** Publishes the newest trust version retained, unless this process already handed over a newer one. */
export async function handOverTrust(ctx: Pick<HubContext, 'broker' | 'keys'>): Promise<void> {
  await ctx.keys.refresh();
  const { version } = ctx.keys.trust;
  if (version < (handedOver.get(ctx.broker) ?? 0)) return;
  handedOver.set(ctx.broker, version);
  await ctx.broker.publish(TRUST_TOPIC, JSON.stringify(ctx.keys.trustEnvelope), { retain: true });
}

const following = new WeakMap<object, Promise<unknown>>();

/** One at a time per hub: a second change waits for the first follow-up. */
export function followTrustChange(ctx: ResignDeps, change: TrustChange): Promise<Resigned> {
  const previous = following.get(ctx.keys) ?? Promise.resolve();
  const run = previous.then(async (): Promise<Resigned> => {
    await handOverTrust(ctx);
    return change.signingChanged ? resignForTrust(ctx) : { manifests: 0, deploymentDocs: 0 };
  });
  following.set(
    ctx.keys,
    run.catch(() => undefined),
  );
  return run;
}

const DAY_MS = 86_400_000;

/** Whether the newest version named other release keys than the one before: only then can stored signatures be stale. */
function releaseKeysChangedLast(ctx: Pick<HubContext, 'keys'>): boolean {
  const versions = ctx.keys.versions();
  const [before, newest] = [versions[versions.length - 2], versions[versions.length - 1]];
  if (!before || !newest) return false;
  return [...before.doc.roles.release.keyids].sort().join() !== [...newest.doc.roles.release.keyids].sort().join();
}

/**
 * A publish repeated (the version is stored already): what its first follow-up may have left
 * undone, when it failed or the process ended midway. The broker gets the newest version unless
 * this process handed it over; stale signatures are signed again (resign.ts touches only those).
 */
export async function followUpAgain(ctx: ResignDeps): Promise<Resigned> {
  await ctx.keys.refresh();
  const { version } = ctx.keys.trust;
  const handed = (handedOver.get(ctx.broker) ?? 0) >= version;
  const signingChanged = releaseKeysChangedLast(ctx);
  if (handed && !signingChanged) return { manifests: 0, deploymentDocs: 0 };
  return followTrustChange(ctx, { from: version, to: version, signingChanged });
}

/**
 * Looks at the data dir every `periodMs` for versions other replicas published, follows each
 * change, and warns once a day while the newest version is about to expire. At start, when the
 * newest version changed the release keys, it also signs again anything still signed by a key it
 * does not name (a follow-up cut short by a crash). Returns the function that stops it.
 */
export function watchTrust(ctx: ResignDeps, periodMs = 5_000): () => Promise<void> {
  const stopListening = ctx.keys.onChange(async (change) => {
    await followTrustChange(ctx, change);
  });
  let warnedAt = ctx.now().getTime();
  const timer = setInterval(() => {
    ctx.keys.refresh().catch((error: unknown) => ctx.logger.error('could not read the trust chain', { error: error instanceof Error ? error.message : String(error) }));
    const now = ctx.now();
    if (now.getTime() - warnedAt >= DAY_MS) {
      warnedAt = now.getTime();
      ctx.keys.warnIfExpiring(now);
    }
  }, periodMs);
  timer.unref();
  const startup = (releaseKeysChangedLast(ctx) ? resignForTrust(ctx) : Promise.resolve()).catch((error: unknown) =>
    ctx.logger.error('could not check the signatures of stored manifests and docs', { error: error instanceof Error ? error.message : String(error) }),
  );
  return async () => {
    clearInterval(timer);
    stopListening();
    await startup;
    await ctx.keys.idle();
    await following.get(ctx.keys);
  };
}
