/**
 * GET /api/v1/datasets/{id} documents its exploration summary field by field (the console's
 * dataset page reads it through the generated types): real summaries, with and without a target,
 * of a real dataset and of one with categories, gaps and an id column, parse with the documented
 * schema, whose objects are strict, so a field the explorer adds without documenting it fails here.
 */
import { describe, expect, it } from 'vitest';
import type { Hub } from '../src/index';
import { tableSummarySchema } from '../src/http/routes/datasets';
import { sensorCsv } from '../../test/fixtures/datasets';
import { api, useTestHub } from './support';

let hub: Hub;
useTestHub((started) => (hub = started.hub));

type Detail = { id: string; summary: unknown };

/** 40 rows: an id column, a numeric column with gaps, a categorical column, a 3-class label. */
function mixedCsv(): Uint8Array {
  const lines = ['id,size,colour,label'];
  for (let i = 0; i < 40; i++) lines.push(`${1000 + i},${i % 7 === 0 ? '' : (i * 1.5).toFixed(1)},${['red', 'green', 'blue'][i % 3]},${['a', 'b', 'c'][i % 4 === 0 ? 2 : i % 2]}`);
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

async function upload(name: string, bytes: Uint8Array): Promise<string> {
  const reply = await api<{ id: string }>(hub, 'POST', `/api/v1/datasets?name=${name}`, { bytes, headers: { 'content-type': 'text/csv' } });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body.id;
}

describe('the dataset summary schema', () => {
  it('parses the summaries of a real dataset, without and with a target', async () => {
    const id = await upload('sensor', sensorCsv());
    const plain = await api<Detail>(hub, 'GET', `/api/v1/datasets/${id}`);
    expect(plain.status).toBe(200);
    const summary = tableSummarySchema.parse(plain.body.summary);
    expect(summary.target).toBeUndefined();
    expect(summary.columns.map((column) => column.name)).toEqual(['reading', 'mote_id', 'indoor', 'humidity', 'temperature', 'label']);
    const humidity = summary.columns.find((column) => column.name === 'humidity');
    expect(humidity?.kind).toBe('numeric');
    if (humidity?.kind === 'numeric') expect(humidity.histogram.counts.reduce((sum, count) => sum + count, 0)).toBe(humidity.count);

    const targeted = await api<Detail>(hub, 'GET', `/api/v1/datasets/${id}?target=label`);
    const withTarget = tableSummarySchema.parse(targeted.body.summary);
    expect(withTarget.target).toMatchObject({ name: 'label', kind: 'categorical' });
    const balance = withTarget.target?.classBalance ?? [];
    expect(balance.map((entry) => entry.value).sort()).toEqual(['0', '1']);
    expect(balance.reduce((sum, entry) => sum + entry.count, 0)).toBe(summary.rows);
    expect(withTarget.columns.find((column) => column.name === 'humidity')?.association?.measure).toBe('correlationRatio');
  });

  it('parses categories, missing values and id-like flags', async () => {
    const id = await upload('mixed', mixedCsv());
    const reply = await api<Detail>(hub, 'GET', `/api/v1/datasets/${id}?target=label`);
    const summary = tableSummarySchema.parse(reply.body.summary);
    const byName = new Map(summary.columns.map((column) => [column.name, column]));
    expect(byName.get('id')?.idLike?.reason).toBeDefined();
    expect(byName.get('size')).toMatchObject({ kind: 'numeric', missing: 6 });
    expect(byName.get('colour')).toMatchObject({ kind: 'categorical', distinct: 3, otherCount: 0 });
    expect(byName.get('colour')?.association?.measure).toBe('cramersV');
    // b: 20 rows, a and c: 10 each (most frequent first, ties by value)
    expect(summary.target?.classBalance?.map((entry) => [entry.value, entry.count])).toEqual([['b', 20], ['a', 10], ['c', 10]]);
  });

  it('documents the summary field by field in the OpenAPI document', async () => {
    const doc = await api<{ paths: Record<string, { get?: { responses: Record<string, { content: Record<string, { schema: { properties: Record<string, { properties?: Record<string, unknown> }> } }> }> } }> }>(
      hub,
      'GET',
      '/api/v1/openapi.json',
    );
    const schema = doc.body.paths['/api/v1/datasets/{id}']?.get?.responses['200']?.content['application/json']?.schema;
    expect(Object.keys(schema?.properties.summary?.properties ?? {})).toEqual(['rows', 'columns', 'target']);
  });
});
