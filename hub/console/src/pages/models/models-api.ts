/** The models pages' calls; every shape is the generated OpenAPI type's. */
import { api, ok } from '../../api/client';
import type { paths } from '../../api/schema';
import { rawBody } from './raw-body';

export const loadModels = async () => ok(await api.GET('/api/v1/models')).models;
export type ModelSummary = Awaited<ReturnType<typeof loadModels>>[number];

export const loadVersion = async (model: string, version: string) => ok(await api.GET('/api/v1/models/{model}/versions/{version}', { params: { path: { model, version } } }));
export type VersionDetail = Awaited<ReturnType<typeof loadVersion>>;
export type Lineage = VersionDetail['manifest']['lineage'];

export type UploadQuery = NonNullable<paths['/api/v1/models/{model}/versions']['post']['parameters']['query']>;
export const uploadModel = async (model: string, query: UploadQuery, file: Blob) =>
  ok(await api.POST('/api/v1/models/{model}/versions', { params: { path: { model }, query }, ...rawBody(file, 'application/octet-stream') }));
export type UploadOutcome = Awaited<ReturnType<typeof uploadModel>>;

export type QuantizeRequest = paths['/api/v1/models/{model}/versions/{version}/quantize']['post']['requestBody']['content']['application/json'];
export type QuantizeMode = QuantizeRequest['mode'];
export const quantizeVersion = async (model: string, version: string, body: QuantizeRequest) =>
  ok(await api.POST('/api/v1/models/{model}/versions/{version}/quantize', { params: { path: { model, version } }, body }));
export type QuantizeOutcome = Awaited<ReturnType<typeof quantizeVersion>>;

/** `model@version` (a lineage parent) as its parts; model names have no '@'. */
export function parseRef(ref: string): { model: string; version: string } | null {
  const at = ref.indexOf('@');
  if (at <= 0 || at === ref.length - 1) return null;
  return { model: ref.slice(0, at), version: ref.slice(at + 1) };
}

export const versionHref = (model: string, version: string): string => `/models/${encodeURIComponent(model)}/${encodeURIComponent(version)}`;

/** Audit rows that add a version: uploaded, trained, quantized. */
export const isVersionEvent = (action: string): boolean => action.startsWith('model.version.');
