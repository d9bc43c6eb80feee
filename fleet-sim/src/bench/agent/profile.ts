/**
 * The agent bench's profiling mode (`--profile`): the in-process, bare and HTTP loops only, for a
 * CPU profile, with nothing measured or reported. Separate from the section it shares set-up with.
 */
import http from 'node:http';
import { COUNTS } from './counts';
import { setUp, tearDown } from './fleet';
import { httpPost } from './latency';
import { bareSession } from './models';

/**
 * `node --cpu-prof --import tsx fleet-sim/src/bench/agent-bench.ts --profile`: only the loops,
 * `seconds` each of the in-process agent path, the bare session and POST /v1/predict per model,
 * so the profile shows where a prediction's time goes (the set-up is in the profile too, before).
 */
export async function profileLoops(seconds: number): Promise<void> {
  const fleet = await setUp(COUNTS.quick);
  try {
    for (const model of fleet.models) {
      const agent = fleet.agents.get(model.device)?.agent;
      if (!agent) throw new Error(`no agent for ${model.device}`);
      const bare = await bareSession(model.bytes, model.typed);
      try {
        for (const [name, call] of [['agent.predict', () => agent.predict(model.typed)], ['bare session.run', bare.run]] as const) {
          let n = 0;
          const start = performance.now();
          while (performance.now() - start < seconds * 1000) {
            await call();
            n++;
          }
          console.log(`${model.label}: ${name} ${Math.round(n / seconds)}/s`);
        }
        {
          const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
          let n = 0;
          const start = performance.now();
          while (performance.now() - start < seconds * 1000) {
            JSON.parse(await httpPost(new URL(agent.localUrl), JSON.stringify(model.body), keepAlive));
            n++;
          }
          keepAlive.destroy();
          console.log(`${model.label}: POST /v1/predict ${Math.round(n / seconds)}/s`);
        }
      } finally {
        await bare.session.release();
      }
    }
  } finally {
    await tearDown(fleet);
  }
}
