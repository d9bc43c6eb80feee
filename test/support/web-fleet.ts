/**
 * A hub for the browser edge inference tests, with what they do to it through the admin API:
 * train a digits MLP (a real training run), issue enrolment tokens, roll a version out to ring
 * `web` and settle it, read merged statistics, restart on the same ports, and run the hub's own
 * artifact in onnxruntime-node to compare the page's answers with.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { expect, inject } from 'vitest';
import { startHub, type Hub } from '@edgefleet/hub';
import type { Envelope, ReleaseManifest, StatsWindow } from '@edgefleet/protocol';
import { api, tempDir, testLogger, type ApiResponse, type TempDir } from './harness';
import { testDatabase } from './test-database';

export interface TrainingRun {
  status: string;
  resultVersion: { model: string; version: string } | null;
}

export interface VersionView {
  sha256: string;
  manifest: ReleaseManifest;
  manifestEnvelope: Envelope;
}

/** float tolerance between onnxruntime-web's wasm kernels and onnxruntime-node's */
export function expectClose(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => expect(Math.abs(value - (expected[i] as number))).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(expected[i] as number)));
}

export class WebFleet {
  /** The hub's clock runs this far ahead of the real one (token expiry tests move it). */
  clockOffsetMs = 0;

  private running: Hub | null = null;

  private constructor(readonly hubDir: TempDir) {}

  static async start(): Promise<WebFleet> {
    const fleet = new WebFleet(await tempDir('hub'));
    fleet.running = await fleet.startHub({ httpPort: 0, mqttPort: 0 });
    return fleet;
  }

  /** The running hub (between `stop` and its restart there is none). */
  get hub(): Hub {
    if (!this.running) throw new Error('the hub is stopped');
    return this.running;
  }

  private async startHub(ports: { httpPort: number; mqttPort: number }): Promise<Hub> {
    return startHub({ ...(await testDatabase(this.hubDir.path)), dataDir: this.hubDir.path, ...ports, host: '127.0.0.1', adminToken: 'test-admin-token', consoleDir: inject('consoleDir'), now: () => new Date(Date.now() + this.clockOffsetMs), logger: testLogger });
  }

  /** Stops the hub; `restart` brings it back on the same ports and data. */
  async stop(): Promise<() => Promise<void>> {
    const ports = { httpPort: Number(new URL(this.hub.httpUrl).port), mqttPort: Number(new URL(this.hub.mqttUrl).port) };
    await this.hub.close();
    this.running = null;
    return async () => {
      this.running = await this.startHub(ports);
    };
  }

  async close(): Promise<void> {
    await this.running?.close();
    await this.hubDir.remove();
  }

  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, init?: { contentType?: string }): Promise<ApiResponse<T>> {
    return api<T>(this.hub, method, path, body, init);
  }

  async version(model: string, label: string): Promise<VersionView> {
    return (await this.api<VersionView>('GET', `/api/v1/models/${model}/versions/${label}`)).body;
  }

  /** Starts a training run and waits for it to succeed (polled by hand: beforeAll has no expect.poll). */
  async trained(body: Record<string, unknown>): Promise<TrainingRun> {
    const started = await this.api<{ id: string }>('POST', '/api/v1/training-runs', body);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const deadline = Date.now() + 90_000;
    let run = (await this.api<TrainingRun>('GET', `/api/v1/training-runs/${started.body.id}`)).body;
    while (!/^(succeeded|failed|cancelled)$/.test(run.status) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      run = (await this.api<TrainingRun>('GET', `/api/v1/training-runs/${started.body.id}`)).body;
    }
    expect(run.status).toBe('succeeded');
    return run;
  }

  async issueToken(ring: string, ttlS = 3600): Promise<{ id: string; token: string }> {
    const issued = await this.api<{ id: string; token: string }>('POST', '/api/v1/enrolment-tokens', { ring, maxEnrolments: 5, ttlS, label: 'edge inference test' });
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    return issued.body;
  }

  /** Starts a rollout of model@version to the `web` ring (one step); returns its id. */
  async rollOut(model: string, label: string): Promise<string> {
    const plan = { steps: [{ kind: 'ring', ring: 'web', percent: 100, successThreshold: 1, maxFailures: 0, deadlineMinutes: 5 }], autoRollback: false };
    const created = await this.api<{ id: string }>('POST', '/api/v1/rollouts', { model, version: label, plan });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id;
  }

  /** Runs the rollout controller until the rollout is in `state`. */
  async settleRollout(id: string, state: string): Promise<void> {
    await expect
      .poll(
        async () => {
          await this.api('POST', '/api/v1/jobs/rollout-controller/run');
          return (await this.api<{ state: string }>('GET', `/api/v1/rollouts/${id}`)).body.state;
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBe(state);
  }

  /** Rows of model@version the hub holds for a stats query (`?device=...`, `?ring=...`). */
  async rowsOf(model: string, label: string, query: string): Promise<number> {
    return (await this.api<{ merged: StatsWindow | null }>('GET', `/api/v1/models/${model}/versions/${label}/stats${query}`)).body.merged?.n ?? 0;
  }

  /** The hub's artifact `sha256` run in onnxruntime-node on [rows x 784] pixels: its probabilities. */
  async onnxNode(sha256: string, input: number[], rows: number): Promise<number[]> {
    const session = await ort.InferenceSession.create(new Uint8Array(await readFile(join(this.hubDir.path, 'artifacts', sha256))));
    try {
      const outputs = await session.run({ numeric: new ort.Tensor('float32', Float32Array.from(input), [rows, 784]) });
      return Array.from(outputs['probabilities']?.data as Float32Array);
    } finally {
      await session.release();
    }
  }
}
