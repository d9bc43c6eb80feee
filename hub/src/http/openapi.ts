/** The OpenAPI 3.1 document, generated from the route specs and their zod schemas. */
import { z } from 'zod';
import { errorResponse } from './schemas';
import { SCOPE_SUMMARY, type Scope } from '../services/admin-tokens/scopes';

export type Auth = 'none' | 'admin' | 'device' | 'device-or-admin' | 'broker-hook';

interface RouteSpecBase {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI style: `/api/v1/devices/{id}` */
  path: string;
  summary: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** a zod schema for JSON bodies, or a media type for raw bodies */
  body?: z.ZodType | { mediaType: string; description: string };
  responses: Record<number, { description: string; schema?: z.ZodType; mediaType?: string }>;
}

/**
 * A route and who may call it. `scope` is required on every spec, so a new route cannot forget
 * it: the admin scope (services/admin-tokens/scopes.ts) an admin token or console session needs
 * on routes admin tokens open, and 'none' on the others (public, device and broker-hook routes).
 * The admin middleware enforces it from the route a request matched (http/auth.ts).
 */
export type RouteSpec = RouteSpecBase & ({ auth: 'admin' | 'device-or-admin'; scope: Scope } | { auth: 'none' | 'device' | 'broker-hook'; scope: 'none' });

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parameters(spec: RouteSpec): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const [where, schema] of [['path', spec.params], ['query', spec.query]] as const) {
    if (!schema) continue;
    const shape = jsonSchema(schema, 'input');
    const properties = (shape.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((shape.required ?? []) as string[]);
    for (const [name, property] of Object.entries(properties)) {
      out.push({ name, in: where, required: where === 'path' || required.has(name), schema: property, ...(property.description ? { description: property.description } : {}) });
    }
  }
  return out;
}

const SECURITY: Record<Auth, JsonSchema[] | undefined> = {
  none: [],
  admin: [{ adminToken: [] }],
  device: [{ deviceBasic: [] }],
  'device-or-admin': [{ deviceBasic: [] }, { adminToken: [] }],
  'broker-hook': [{ brokerHookToken: [] }],
};

export function buildOpenApi(specs: readonly RouteSpec[], info: { version: string }): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const spec of specs) {
    const responses: Record<string, JsonSchema> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      const media = response.mediaType ?? 'application/json';
      responses[status] = { description: response.description, ...(response.schema || response.mediaType ? { content: { [media]: response.schema ? { schema: jsonSchema(response.schema, 'output') } : {} } } : {}) };
    }
    responses.default = { description: 'error', content: { 'application/json': { schema: jsonSchema(errorResponse, 'output') } } };
    // OpenAPI 3.1 lets a non-OAuth requirement name roles: the scope an admin token needs.
    const security = spec.scope === 'none' ? SECURITY[spec.auth] : SECURITY[spec.auth]?.map((requirement) => ('adminToken' in requirement ? { adminToken: [spec.scope] } : requirement));
    const operation: JsonSchema = { summary: spec.summary, security, parameters: parameters(spec), responses, ...(spec.scope === 'none' ? {} : { 'x-edgefleet-scope': spec.scope }) };
    if (spec.body) {
      operation.requestBody =
        spec.body instanceof z.ZodType
          ? { required: true, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } } }
          : { required: true, description: spec.body.description, content: { [spec.body.mediaType]: { schema: { type: 'string', format: 'binary' } } } };
    }
    (paths[spec.path] ??= {})[spec.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'edgefleet hub', version: info.version, description: 'Admin and device API of the edgefleet hub. Errors are { "error": { "code", "message", "details"? } }.' },
    components: {
      securitySchemes: {
        adminToken: {
          type: 'http',
          scheme: 'bearer',
          description: `EDGEFLEET_ADMIN_TOKEN or dataDir/admin-token (scope admin), or a token made with POST /api/v1/admin-tokens of scope read (${SCOPE_SUMMARY.read}), operator (${SCOPE_SUMMARY.operator}) or admin (${SCOPE_SUMMARY.admin}); each operation names the scope it needs (x-edgefleet-scope)`,
        },
        deviceBasic: { type: 'http', scheme: 'basic', description: 'device id and secret' },
        brokerHookToken: { type: 'http', scheme: 'bearer', description: "EDGEFLEET_BROKER_HOOK_TOKEN: what an external broker's HTTP authentication and authorization hooks send" },
      },
    },
    paths,
  };
}

/** `/api/v1/devices/{id}` -> `/api/v1/devices/:id` (hono's syntax). */
export const honoPath = (openApiPath: string): string => openApiPath.replace(/\{([^}]+)\}/g, ':$1');
