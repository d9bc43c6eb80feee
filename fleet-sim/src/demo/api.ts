/**
 * The demo drives the hub only through its public admin API (CONTRACT "HTTP (hub)"), the way a
 * script or the console would, so it doubles as a check that the API is enough to run a rollout.
 * Every reply is parsed with a zod schema of the fields the demo reads (loose objects: the hub
 * may add fields), so a changed route fails here with the route's name, not later as `undefined`.
 */
import { z } from 'zod';

export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${method} ${path} -> ${status}: ${summarise(body)}`);
    this.name = 'ApiError';
  }
}

const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
function summarise(body: unknown): string {
  const parsed = errorBody.safeParse(body);
  return parsed.success ? `${parsed.data.error.code} ${parsed.data.error.message}` : JSON.stringify(body)?.slice(0, 300) ?? String(body);
}

export interface ApiTarget {
  httpUrl: string;
  adminToken: string;
}

type Body = { json: unknown } | { bytes: Uint8Array; contentType: string };

export class AdminApi {
  constructor(private readonly target: ApiTarget) {}

  get<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
    return this.request('GET', path, schema, null);
  }

  post<S extends z.ZodType>(path: string, schema: S, body: Body | null = null): Promise<z.infer<S>> {
    return this.request('POST', path, schema, body);
  }

  put<S extends z.ZodType>(path: string, schema: S, body: Body): Promise<z.infer<S>> {
    return this.request('PUT', path, schema, body);
  }

  private async request<S extends z.ZodType>(method: string, path: string, schema: S, body: Body | null): Promise<z.infer<S>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.target.adminToken}` };
    let payload: BodyInit | null = null;
    if (body && 'json' in body) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body) {
      headers['content-type'] = body.contentType;
      payload = body.bytes as BodyInit;
    }
    const response = await fetch(`${this.target.httpUrl}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let parsedBody: unknown = null;
    try {
      parsedBody = text ? JSON.parse(text) : null;
    } catch {
      parsedBody = text;
    }
    if (!response.ok) throw new ApiError(method, path, response.status, parsedBody);
    const result = schema.safeParse(parsedBody);
    if (!result.success) throw new Error(`${method} ${path}: unexpected reply (${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
    return result.data;
  }
}

// ---- the replies the demo reads ----

export const enrolledSchema = z.looseObject({ id: z.string(), secret: z.string() });
export const datasetSchema = z.looseObject({ id: z.string(), rows: z.number() });
export const signInLinkSchema = z.looseObject({ url: z.string(), expiresAt: z.string() });
export const createdRunSchema = z.looseObject({ id: z.string() });
export const runSchema = z.looseObject({
  status: z.string(),
  error: z.unknown(),
  metric: z.looseObject({ name: z.string(), value: z.number().nullable(), beatsBaseline: z.boolean().nullable() }),
  resultVersion: z.looseObject({ model: z.string(), version: z.string() }).nullable(),
  startedAt: z.string().nullable().optional(),
  finishedAt: z.string().nullable().optional(),
});
export type Run = z.infer<typeof runSchema>;

const featureSource = z.looseObject({ input: z.string(), index: z.number().int() });
export const versionSchema = z.looseObject({
  manifest: z.looseObject({
    io: z.looseObject({ inputs: z.array(z.looseObject({ name: z.string() })) }),
    reference: z.looseObject({ features: z.array(z.looseObject({ name: z.string(), source: featureSource })) }).nullable(),
  }),
});

/** POST /api/v1/enrolment-tokens: the token is in this reply only (the hub keeps its hash). */
export const enrolmentTokenSchema = z.looseObject({ id: z.string(), token: z.string(), ring: z.string(), maxEnrolments: z.number().int(), expiresAt: z.string() });

const quantizedSide = z.looseObject({ size: z.number(), accuracy: z.number().optional() });
export const quantizedSchema = z.looseObject({ version: z.string(), source: quantizedSide, result: quantizedSide.extend({ sizeRatio: z.number() }) });

export const anySchema = z.unknown();

const counts = z.record(z.string(), z.number());
const gateMetric = z.looseObject({ metric: z.string(), outcome: z.string(), value: z.number().nullable(), control: z.number().nullable(), evidence: z.string() });
export const gateSchema = z.looseObject({ verdict: z.string(), metrics: z.array(gateMetric), failed: z.array(z.string()), inconclusive: z.array(z.string()) });
export type GateView = z.infer<typeof gateSchema>;

export const rolloutSchema = z.looseObject({
  id: z.string(),
  model: z.string(),
  version: z.string(),
  state: z.string(),
  step: z.number().int(),
  stepStartedAt: z.string(),
  createdAt: z.string(),
  halt: z.looseObject({ reason: z.string(), at: z.string() }).nullable(),
  reverted: z.boolean(),
  plan: z.looseObject({
    steps: z.array(z.looseObject({ kind: z.string(), ring: z.string().optional(), percent: z.number().optional(), minutes: z.number().optional(), metrics: z.array(z.looseObject({ metric: z.string() })).optional() })),
  }),
  steps: z.array(z.looseObject({ index: z.number(), kind: z.string(), state: z.string(), devices: counts.optional(), warning: z.string().optional() })),
  devices: counts,
  gate: gateSchema.nullable(),
  /** ring steps that take no device (hubs before these fields lack them) */
  warnings: z.array(z.looseObject({ step: z.number(), message: z.string() })).optional(),
});
export type RolloutView = z.infer<typeof rolloutSchema>;

export const devicesSchema = z.looseObject({
  devices: z.array(
    z.looseObject({
      id: z.string(),
      ring: z.string(),
      online: z.boolean(),
      state: z.looseObject({ phase: z.string(), active: z.looseObject({ model: z.string(), version: z.string() }).nullable() }).nullable(),
      assignment: z.looseObject({ model: z.string(), version: z.string() }).nullable(),
    }),
  ),
});
export type DeviceList = z.infer<typeof devicesSchema>['devices'];

export const driftSchema = z.looseObject({
  devices: z.number(),
  windows: z.number(),
  verdict: z.string(),
  report: z.looseObject({ n: z.number(), drifting: z.array(z.string()), warnings: z.array(z.string()) }).nullable(),
});
export type DriftView = z.infer<typeof driftSchema>;

/** GET /api/v1/alerts: the drift job's alerts. */
export const alertsSchema = z.looseObject({
  alerts: z.array(z.looseObject({ id: z.string(), model: z.string(), version: z.string(), status: z.string(), severity: z.string(), signals: z.array(z.string()), openedAt: z.string() })),
});
export type AlertList = z.infer<typeof alertsSchema>['alerts'];

export const auditSchema = z.looseObject({
  entries: z.array(z.looseObject({ id: z.number().int(), at: z.string(), actor: z.string(), action: z.string(), details: z.unknown() })),
});
export type AuditEntry = z.infer<typeof auditSchema>['entries'][number];
