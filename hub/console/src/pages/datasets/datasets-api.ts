/** The datasets pages' calls; every shape is the generated OpenAPI type's. */
import { api, ok } from '../../api/client';
import { rawBody } from '../models/raw-body';

export const loadDatasets = async () => ok(await api.GET('/api/v1/datasets')).datasets;
export type DatasetSummary = Awaited<ReturnType<typeof loadDatasets>>[number];

export const loadDataset = async (id: string, target: string | undefined) =>
  ok(await api.GET('/api/v1/datasets/{id}', { params: { path: { id }, query: target === undefined ? {} : { target } } }));
export type DatasetDetail = Awaited<ReturnType<typeof loadDataset>>;
export type ColumnSummary = DatasetDetail['summary']['columns'][number];
export type NumericColumn = Extract<ColumnSummary, { kind: 'numeric' }>;
export type CategoricalColumn = Extract<ColumnSummary, { kind: 'categorical' }>;
export type TargetSummary = NonNullable<DatasetDetail['summary']['target']>;

/** The upload, and whether these bytes were new (201) or already stored under this id (200). */
export async function uploadDataset(name: string, file: Blob) {
  const result = await api.POST('/api/v1/datasets', { params: { query: { name } }, ...rawBody(file, 'text/csv') });
  return { dataset: ok(result), created: result.response.status === 201 };
}
export type UploadedDataset = Awaited<ReturnType<typeof uploadDataset>>;

export const datasetHref = (id: string): string => `/datasets/${encodeURIComponent(id)}`;
