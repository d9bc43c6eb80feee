/**
 * Part 2 of the agent bench: POST /v1/predict on the agent's real local API against the
 * in-process call, alternating, as per-request latencies; and the keep-alive POST the profiler
 * uses too.
 */
import http from 'node:http';
import type { Agent } from '@edgefleet/agent';
import { tensorToJson, type TensorJson } from '@edgefleet/protocol';
import type { PredictResponse } from '../../../../agent/src/adapters/local-api';
import type { TypedTensor } from '@edgefleet/device-core';
import type { BenchModel } from './models';

export interface LatencyFigures {
  model: BenchModel;
  inProcess: number[];
  http: number[];
  requestBytes: number;
  responseBytes: number;
  /** the answer over HTTP equals agent.predict's (outputs, model, version, id count) */
  sameAnswer: boolean;
}

export function httpPost(url: URL, body: string, agent: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: url.hostname, port: url.port, path: '/v1/predict', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => (response.statusCode === 200 ? resolve(text) : reject(new Error(`POST /v1/predict: ${response.statusCode} ${text.slice(0, 300)}`))));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const jsonOutputs = (outputs: Record<string, TypedTensor>): Record<string, TensorJson> =>
  Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, tensorToJson(t.type, t.data, t.dims)]));

export async function measureLatency(model: BenchModel, agent: Agent, requests: number): Promise<LatencyFigures> {
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(agent.localUrl);
  // A client holding the request as an object: serialising it and parsing the answer are part of the HTTP path.
  const overHttp = async (): Promise<PredictResponse> => JSON.parse(await httpPost(url, JSON.stringify(model.body), keepAlive)) as PredictResponse;
  const inProcess = () => agent.predict(model.typed);
  try {
    const first = await overHttp();
    const mine = await inProcess();
    const sameAnswer =
      first.model === mine.model && first.version === mine.version && JSON.stringify(first.outputs) === JSON.stringify(jsonOutputs(mine.outputs)) && first.predictionIds.length === mine.predictionIds.length;
    const requestBytes = Buffer.byteLength(JSON.stringify(model.body));
    const responseBytes = Buffer.byteLength(JSON.stringify(first));
    for (let i = 0; i < 200; i++) {
      await overHttp();
      await inProcess();
    }
    const inProcessTimes: number[] = [];
    const overHttpTimes: number[] = [];
    const time = async (fn: () => Promise<unknown>, into: number[]) => {
      const start = performance.now();
      await fn();
      into.push((performance.now() - start) * 1000);
    };
    for (let i = 0; i < requests; i++) {
      // Alternating which goes first, so neither always follows the other's garbage.
      if (i % 2 === 0) {
        await time(inProcess, inProcessTimes);
        await time(overHttp, overHttpTimes);
      } else {
        await time(overHttp, overHttpTimes);
        await time(inProcess, inProcessTimes);
      }
    }
    return { model, inProcess: inProcessTimes, http: overHttpTimes, requestBytes, responseBytes, sameAnswer };
  } finally {
    keepAlive.destroy();
  }
}
