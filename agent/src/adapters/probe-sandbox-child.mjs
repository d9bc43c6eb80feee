// The model sandbox's child process (probe-sandbox.ts starts it): opens one model from the bytes
// it is sent, runs the probe inputs once, says how it went and exits. Whatever the model asks of
// memory happens here, under the limits the parent set (the data-segment rlimit, its watchdog,
// a deadline), never in the agent that serves.
//
// Plain JavaScript on purpose: it starts in about 0.15 s with nothing but node and
// onnxruntime-node (no TypeScript loader, no bundle), and the packed agent ships it beside its
// bundle as it is. It holds no policy: limits, verdicts and messages are the parent's.
import { readFileSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

const MEMORY_LIMIT_BYTES = Number(process.env.EDGEFLEET_SANDBOX_MEMORY_BYTES ?? 0);

const send = (message) => new Promise((resolve) => (process.connected ? process.send?.(message, undefined, undefined, () => resolve(undefined)) : resolve(undefined)));
const messageOf = (error) => (error instanceof Error ? error.message : String(error));

/** The data-segment limit in force ("Max data size" in /proc/self/limits), null when unknown or unlimited. */
function dataLimit() {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max data size'));
    const soft = line?.slice('Max data size'.length).trim().split(/\s+/)[0];
    return soft && /^\d+$/.test(soft) ? Number(soft) : null;
  } catch {
    return null;
  }
}

async function finish(message, code) {
  await send(message);
  process.exit(code);
}

// If the whole device runs short of memory, the kernel's OOM killer should pick this process,
// not the agent that serves: raising one's own score needs no privilege.
try {
  writeFileSync('/proc/self/oom_score_adj', '1000');
} catch {
  // not Linux, or /proc is read-only: the limits below still hold
}

// Where no rlimit applies (not Linux), the child watches itself: best effort, onnxruntime
// allocates off this thread, so the check still runs while a session is created or run.
if (MEMORY_LIMIT_BYTES > 0) {
  setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > MEMORY_LIMIT_BYTES) void finish({ kind: 'failed', stage: 'memory', message: `resident memory reached ${rss} bytes` }, 70);
  }, 25).unref();
}

process.on('disconnect', () => process.exit(0));

process.once('message', async (job) => {
  let session;
  const started = performance.now();
  try {
    session = await ort.InferenceSession.create(job.bytes, { logSeverityLevel: 3 });
  } catch (error) {
    return finish({ kind: 'failed', stage: 'load', message: messageOf(error) }, 0);
  }
  const loadMs = performance.now() - started;
  await send({ kind: 'loaded', ms: loadMs });
  try {
    const feeds = {};
    for (const [name, tensor] of Object.entries(job.feeds)) feeds[name] = new ort.Tensor(tensor.type, tensor.data, tensor.dims);
    await session.run(feeds);
  } catch (error) {
    return finish({ kind: 'failed', stage: 'run', message: messageOf(error) }, 0);
  }
  await finish({ kind: 'done', loadMs, runMs: performance.now() - started - loadMs }, 0);
});

await send({ kind: 'ready', dataLimit: dataLimit() });
