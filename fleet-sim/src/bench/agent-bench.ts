/**
 * What the agent costs on top of onnxruntime-node (PERF.md: "an agent's own overhead
 * (validation, statistics, HTTP) is what decides its throughput on small models: measure it
 * against a bare session.run in the same process"). One real hub (HTTP, SQLite, aedes), two real
 * agents started with startAgent, each pinned to one model: the demo's machine-health MLP
 * (4 -> 16 -> 3, trained here by the hub's trainer, with a reference profile, so statistics and
 * prediction ids do their real work) and Silero VAD v5 (third-party, 512-sample frames).
 *
 * 1. In-process predict throughput: the real agent's `agent.predict(inputs)` (typed arrays in,
 *    typed arrays out, statistics recorded, prediction ids encoded on first read) vs a bare
 *    session.run on the same model and inputs (goal >= 0.95), and the same with the ids read,
 *    finely interleaved; beside them a calibration (a second bare session against the first, by
 *    the same method) shows how far this shared machine's noise alone moves a ratio. The answers
 *    are checked against the bare session's. A breakdown times each step of that path alone and
 *    right after a real session.run, and the JSON path's validation and id encoding beside the
 *    former ones (zod body schema + element checks; zod-validated id encoder), kept here as
 *    references.
 * 2. POST /v1/predict on the real agent's local API vs the in-process call: latency p50/p99
 *    over sequential requests, alternating the two, and the overhead in microseconds.
 * 3. Memory and start-up: the agent CLI (agent/src/main.ts) in its own process, serving Silero
 *    from disk after the install above, vs a bare Node process that only loads onnxruntime-node,
 *    opens the same model and runs it once.
 */
import { pathToFileURL } from 'node:url';
import { machineLine, median, mib, quantile, type MemoryFigures } from './measure';
import { fixed, goal, table, withGoal } from './report';
import { COUNTS } from './agent/counts';
import { setUp, tearDown } from './agent/fleet';
import { measureLatency, type LatencyFigures } from './agent/latency';
import { bareSession } from './agent/models';
import { agentProcessRun, bareProcessRun, importOnly, type ProcessRun } from './agent/processes';
import { profileLoops } from './agent/profile';
import { measureThroughput, type ThroughputFigures } from './agent/throughput';

const GOAL_RATIO = 0.95;

const us = (value: number, digits = 1): string => `${fixed(value, digits)} us`;
const perSecond = (value: number): string => `${Math.round(value).toLocaleString('en-US')}/s`;

export async function agentSection(options: { quick: boolean }): Promise<string> {
  const counts = COUNTS[options.quick ? 'quick' : 'full'];
  const started = performance.now();
  const header = machineLine();
  const fleet = await setUp(counts);
  const phases = { setUp: (performance.now() - started) / 1000, throughput: 0, latency: 0, processes: 0 };
  const lines: string[] = [];
  try {
    // 1 and 2: both in this process, on the real agents' own sessions and a bare session of each model.
    const throughput: ThroughputFigures[] = [];
    const latency: LatencyFigures[] = [];
    for (const model of fleet.models) {
      const agent = fleet.agents.get(model.device)?.agent;
      if (!agent) throw new Error(`no agent for ${model.device}`);
      const bare = await bareSession(model.bytes, model.typed);
      try {
        let t0 = performance.now();
        throughput.push(await measureThroughput(model, agent, bare, counts));
        phases.throughput += (performance.now() - t0) / 1000;
        t0 = performance.now();
        latency.push(await measureLatency(model, agent, model.model === 'vad' ? counts.sileroRequests : counts.tabularRequests));
        phases.latency += (performance.now() - t0) / 1000;
      } finally {
        await bare.session.release();
      }
    }

    // 3: the Silero agent's data dir, now with its model installed, served by the agent CLI.
    const processesStart = performance.now();
    const vad = fleet.models.find((m) => m.model === 'vad');
    const vadAgent = vad ? fleet.agents.get(vad.device) : undefined;
    if (!vad || !vadAgent) throw new Error('no Silero agent');
    await vadAgent.agent.close();
    const agentRuns: ProcessRun[] = [];
    const bareRuns: ProcessRun[] = [];
    // Unmeasured spawns of each first (page cache, tsx transform cache), then alternating.
    for (let i = 0; i < counts.warmSpawns + counts.spawns; i++) {
      const warm = i < counts.warmSpawns;
      const a = await agentProcessRun(fleet.hub, vad.device, vadAgent.secret, vadAgent.dataDir, vad.body, warm ? 0 : counts.idleMs);
      const b = await bareProcessRun(vad.body, warm ? 0 : counts.idleMs);
      if (!warm) {
        agentRuns.push(a);
        bareRuns.push(b);
      }
    }
    const imports = [await importOnly(), ...(options.quick ? [] : [await importOnly(), await importOnly()])];
    const importMs = median(imports.map((i) => i.importMs));
    const importRss = median(imports.map((i) => i.memory.rss));
    const importHeap = median(imports.map((i) => i.memory.heapUsed));
    phases.processes = (performance.now() - processesStart) / 1000;

    // ---- report ----
    lines.push(
      `Agent overhead (issue 10): a real hub and real agents (startAgent), the demo's machine-health MLP 4-16-3 (trained here, ${counts.trainEpochs} epochs, ${fixed(fleet.trainSeconds, 1)} s, with its reference profile) and Silero VAD v5; ${options.quick ? 'quick mode' : 'full run'}`,
      header,
      '',
      `In-process predict throughput vs a bare onnxruntime-node session on the same bytes and inputs, sequential calls at batch 1, interleaved in runs of 10 calls: ${counts.rounds} blocks of ${counts.tabularCalls} (MLP) / ${counts.sileroCalls} (Silero) calls of each side; rate = calls / summed run time; ratio = median over blocks of agent rate / bare rate`,
      `agent = agent.predict(inputs) on the real agent (typed arrays in and out, statistics recorded into its window, no shadow running); answers equal the bare session's: ${throughput.map((t) => `${t.model.model} max |diff| ${t.maxDiff}`).join(', ')}; equal to the same agent's answer over HTTP: ${latency.every((l) => l.sameAnswer) ? 'yes' : 'NO'}`,
      table(
        ['model', 'bare session.run', 'agent.predict', 'ratio', 'agent.predict + reading predictionIds', 'ratio', 'calibration: 2nd bare session / bare'],
        throughput.map((t) => [
          t.model.label,
          perSecond(t.rates.baseline),
          perSecond(t.rates.subject),
          withGoal(`${fixed(t.rates.ratio, 3)}`, goal(`>= ${GOAL_RATIO}`, t.rates.ratio >= GOAL_RATIO)),
          perSecond(t.ratesWithIds.subject),
          fixed(t.ratesWithIds.ratio, 3),
          fixed(t.calibration.ratio, 3),
        ]),
      ),
      `calibration = the same figure for a second bare session of the same model against the first (1.000 on a quiet machine): how far this run's noise alone moves a ratio`,
      '',
      `Where the agent's time goes: each step of agent.predict on the same request, timed alone (median per call over ${counts.chunks} chunks of ${throughput.map((t) => t.chunk).join(' / ')} calls, in turn with the whole path and the baselines) and in situ (right after, or for the checks right before, a real session.run: cold caches and branch predictors after the native run, as inside agent.predict; median over ${counts.chunks * counts.tabularChunk} / ${counts.chunks * counts.sileroChunk} runs, the clock read's own cost taken off). "rest" = whole path - bare session.run - the in-situ steps but ort.Tensor (which the baseline pays too): the async frames of agent.predict and runTyped, performance.now twice, the answer object, and noise`,
      table(
        ['step', ...throughput.flatMap((t) => [`${t.model.model === 'vad' ? 'Silero' : 'MLP'} alone`, `${t.model.model === 'vad' ? 'Silero' : 'MLP'} in situ`])],
        [
          ...(throughput[0]?.steps ?? []).map((s, i) => [s.step, ...throughput.flatMap((t) => [us(t.steps[i]?.micros ?? NaN, 2), us(t.steps[i]?.inSitu ?? NaN, 2)])]),
          ['session.run (prebuilt tensors)', ...throughput.flatMap((t) => [us(t.prebuiltRunMicros, 1), us(t.inSituRunMicros, 1)])],
          ['whole agent.predict (per call)', ...throughput.flatMap((t) => [us(t.agentMicros, 1), ''])],
          ['bare session.run with per-call ort.Tensor (baseline)', ...throughput.flatMap((t) => [us(t.bareMicros, 1), ''])],
          ['agent work beyond onnxruntime (whole - bare)', ...throughput.flatMap((t) => [`${us(t.agentMicros - t.bareMicros, 2)} (${fixed((100 * (t.agentMicros - t.bareMicros)) / t.agentMicros, 0)}%)`, ''])],
          ['  of which the in-situ steps (but ort.Tensor)', ...throughput.flatMap((t) => ['', us(t.steps.filter((s) => !s.step.startsWith('typed arrays')).reduce((sum, s) => sum + s.inSitu, 0), 2)])],
          ['  rest', ...throughput.flatMap((t) => [us(t.agentMicros - t.bareMicros - t.steps.filter((s) => !s.step.startsWith('typed arrays')).reduce((sum, s) => sum + s.inSitu, 0), 2), ''])],
          ['whole agent.predict + reading predictionIds', ...throughput.flatMap((t) => [us(t.agentWithIdsMicros, 1), ''])],
          ['diagnostic: bare session.run, session with intraOpNumThreads 1', ...throughput.flatMap((t) => [us(t.bareSingleMicros, 1), ''])],
        ],
      ),
      '',
      `Outside agent.predict, in the same chunks: prediction ids when read, and the POST /v1/predict path's own steps, each beside the former implementation (kept in agent/former-json.ts as a reference)`,
      table(
        ['step', ...throughput.map((t) => (t.model.model === 'vad' ? 'Silero VAD v5' : 'MLP 4-16-3'))],
        (throughput[0]?.jsonSteps ?? []).map((s, i) => [s.step, ...throughput.map((t) => us(t.jsonSteps[i]?.micros ?? NaN, 2))]),
      ),
      '',
      `Local API: POST /v1/predict on the agent's real local API (node:http keep-alive client in this process; JSON.stringify of the request and JSON.parse of the answer included) vs the in-process call; ${counts.tabularRequests} (MLP) / ${counts.sileroRequests} (Silero) sequential requests of each, alternating, after 200 warm-up requests of each`,
      table(
        ['model', 'body in / out', 'in-process p50 / p99', 'HTTP p50 / p99', 'HTTP overhead p50 / p99'],
        latency.map((l) => {
          const [ip50, ip99, h50, h99] = [quantile(l.inProcess, 0.5), quantile(l.inProcess, 0.99), quantile(l.http, 0.5), quantile(l.http, 0.99)];
          return [l.model.label, `${l.requestBytes} B / ${l.responseBytes} B`, `${us(ip50, 0)} / ${us(ip99, 0)}`, `${us(h50, 0)} / ${us(h99, 0)}`, `+${us(h50 - ip50, 0)} / +${us(h99 - ip99, 0)}`];
        }),
      ),
      '',
    );
    const a = (pick: (r: ProcessRun) => number) => median(agentRuns.map(pick));
    const b = (pick: (r: ProcessRun) => number) => median(bareRuns.map(pick));
    const memRow = (what: string, pick: (m: MemoryFigures) => number): string[] => [what, mib(a((r) => pick(r.memory))), mib(b((r) => pick(r.memory))), `+${mib(a((r) => pick(r.memory)) - b((r) => pick(r.memory)))}`];
    lines.push(
      `Agent process vs bare process, Silero VAD v5 serving: agent = agent/src/main.ts run as node --import tsx (what npm run agent runs, in one process), from its data dir after the install above, connected to the hub; bare = node loading onnxruntime-node, opening the same model file and running it once; median of ${counts.spawns} spawn(s) each, alternating, after ${counts.warmSpawns} unmeasured warm-up spawn(s) each; memory after ${counts.idleMs} ms idle and a full GC`,
      table(
        ['measure', 'agent process', 'bare onnxruntime-node process', 'difference'],
        [
          memRow('RSS, idle, model loaded', (m) => m.rss),
          memRow('V8 heap used', (m) => m.heapUsed),
          memRow('V8 heap total', (m) => m.heapTotal),
          memRow('external (ArrayBuffers, native)', (m) => m.external),
          [
            'start-up: spawn -> first answered prediction',
            `${fixed(a((r) => r.readyMs), 0)} ms (local API listening at ${fixed(a((r) => r.listeningMs ?? NaN), 0)} ms)`,
            `${fixed(b((r) => r.readyMs), 0)} ms (first session.run)`,
            `+${fixed(a((r) => r.readyMs) - b((r) => r.readyMs), 0)} ms (${fixed(a((r) => r.readyMs) / b((r) => r.readyMs), 2)}x)`,
          ],
          ['  for scale: node --import tsx importing the agent modules, nothing started (separate process)', `${fixed(importMs, 0)} ms to import; RSS ${mib(importRss)}, heap used ${mib(importHeap)}`, '', ''],
        ],
      ),
      `section total ${fixed((performance.now() - started) / 1000, 1)} s (set-up with training ${fixed(phases.setUp, 1)} s, throughput ${fixed(phases.throughput, 1)} s, latency ${fixed(phases.latency, 1)} s, processes ${fixed(phases.processes, 1)} s)`,
    );
    return lines.join('\n');
  } finally {
    await tearDown(fleet);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--profile')) await profileLoops(5);
  else console.log(await agentSection({ quick: process.argv.includes('--quick') }));
}
