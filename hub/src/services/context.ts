/** Everything the use-cases and routes need, built once by startHub (the composition root). */
import type { RejectionTracker } from '../core/rejection-tracker';
import type { KeyedLock } from '../core/keyed-lock';
import type { ArtifactStore } from '../adapters/artifacts';
import type { BrokerAdapter } from '../adapters/broker/broker';
import type { BrokerProvisioner } from '../adapters/broker/provisioner';
import type { Db } from '../adapters/db/open';
import type { HubKeys } from './trust/trust-chain';
import type { Logger } from '../adapters/logger';
import type { AdminTokenSource } from '../adapters/admin-token';
import type { Scheduler } from '../adapters/scheduler';
import type { WebhookTarget } from '../adapters/webhook';
import type { CredentialVerifier } from '../adapters/secrets';
import type { TrainingRunner } from './training/training-runner';
import type { DocSigner } from '../adapters/doc-signer';
import type { ReleaseManifests } from './models/release-manifests';

export interface HubUrls {
  publicUrl: string;
  /** how devices reach the broker: derived from publicUrl's host, or the external broker URL without credentials */
  mqttUrl: string;
  wsUrl: string;
}

export type IngestKind = 'state' | 'events' | 'online' | 'stats';

export interface HubContext {
  db: Db;
  artifacts: ArtifactStore;
  /**
   * probe blobs too large for a manifest, content-addressed: served on the artifact route only to
   * devices whose assigned releases name them (services/models/probe-blobs.ts)
   */
  probes: ArtifactStore;
  /** uploaded CSV datasets, content-addressed; never served to devices */
  datasets: ArtifactStore;
  /** what produced a trained version: package version and git commit when known */
  codeVersion: string;
  keys: HubKeys;
  /** signs deployment docs with the release key, synchronously */
  signDoc: DocSigner;
  /** registered releases' signed manifests, by version and by hash */
  releases: ReleaseManifests;
  broker: Pick<BrokerAdapter, 'publish' | 'counters' | 'seedRetained' | 'endSession'>;
  /** keeps an external broker's device accounts in step (noProvisioning for the embedded one) */
  provisioner: BrokerProvisioner;
  /** what an external broker's HTTP auth hooks must send (EDGEFLEET_BROKER_HOOK_TOKEN); unset: no hooks */
  brokerHookToken?: string;
  credentials: CredentialVerifier;
  logger: Logger;
  now: () => Date;
  adminToken: string;
  /** where adminToken came from, for the 401's hint */
  adminTokenSource: AdminTokenSource;
  /** filled in once the listeners know their ports */
  urls: HubUrls;
  maxModelBytes: number;
  deploymentTtlS: number;
  statsIntervalS: number;
  /** length of a statistics bucket and of a drift evaluation period (EDGEFLEET_DRIFT_PERIOD_S); absent: an hour */
  driftPeriodS?: number;
  /** in this process only: across replicas the database's row locks decide (services/README.md) */
  locks: { devices: KeyedLock; models: KeyedLock; rollouts: KeyedLock };
  ingest: { received: Record<IngestKind, number>; rejected: RejectionTracker };
  /** this replica's training runner: runs and search trials are claimed from the database by any replica's worker threads (one unit per worker) */
  training: TrainingRunner;
  /** where alert (and rollout) notifications go; null: stored only */
  alerting: { webhook: WebhookTarget | null };
  /** the scheduled jobs (drift evaluation, continuous training, webhook delivery, doc refresh) */
  jobs: Scheduler;
}
