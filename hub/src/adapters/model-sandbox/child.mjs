// The hub's model sandbox child (sandbox-child.ts starts and drives it): onnxruntime sessions of
// models the hub did not make (uploads, and everything quantization runs on them) live here,
// under the memory limits its parent set, so a model that asks for gigabytes exhausts this
// process, never the hub. Requests come over IPC, one reply each:
//   { id, op: 'open', path | bytes, options } -> { id, ok, session, inputNames, outputNames, inputMetadata, outputMetadata }
//   { id, op: 'run', session, feeds, fetches?, maxOutput: { elements?, bytes? } } -> { id, ok, outputs: { name: { type, dims, data } } }
//     or, when the outputs together hold more than maxOutput, { id, ok: false, outputTooLarge: { name, type, dims, elements, bytes, limit } }
//   { id, op: 'time', session, feeds, runs, warmUp } -> { id, ok, micros }   (median, measured here: no IPC in it)
//   { id, op: 'release', session } -> { id, ok }
// and { id, ok: false, message } for a failure. It says { ready } once started.
//
// Plain JavaScript on purpose: it starts with nothing but node and onnxruntime-node (no
// TypeScript loader: about 0.15 s instead of 0.5), and holds no policy (limits, verdicts and
// messages are the parent's).
import { readFileSync, writeFileSync } from 'node:fs';
import ort from 'onnxruntime-node';

const MEMORY_LIMIT_BYTES = Number(process.env.EDGEFLEET_SANDBOX_MEMORY_BYTES ?? 0);
const sessions = new Map();
let nextSession = 1;

const messageOf = (error) => (error instanceof Error ? error.message : String(error));
const send = (message) => new Promise((resolve) => (process.connected ? process.send(message, undefined, undefined, () => resolve(undefined)) : resolve(undefined)));

// If the machine runs short of memory, the kernel's OOM killer should pick this process, not the hub.
try {
  writeFileSync('/proc/self/oom_score_adj', '1000');
} catch {
  // not Linux, or /proc read-only: the parent's limits still hold
}

// Where no rlimit applies (not Linux) the child watches itself, best effort: onnxruntime
// allocates off this thread, so the check runs while a session is created or run.
if (MEMORY_LIMIT_BYTES > 0) {
  setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > MEMORY_LIMIT_BYTES) void send({ memory: rss }).then(() => process.exit(70));
  }, 25).unref();
}

function session(id) {
  const found = sessions.get(id);
  if (!found) throw new Error(`no session ${id}`);
  return found;
}

function tensors(feeds) {
  const result = {};
  for (const [name, feed] of Object.entries(feeds)) result[name] = new ort.Tensor(feed.type, feed.data, feed.dims);
  return result;
}

/** Thrown by a run whose outputs are over the request's maxOutput: the parent words the refusal. */
class OutputTooLarge extends Error {
  constructor(fields) {
    super(`output ${fields.name} is too large`);
    this.fields = fields;
  }
}

const tensorBytes = (tensor) => (Array.isArray(tensor.data) ? tensor.data.reduce((n, value) => n + Buffer.byteLength(String(value)), 0) : tensor.data.byteLength);

// Checked before anything is sent: a shape computed at run time can make an output of gigabytes
// under this child's memory limit, and IPC would copy all of it into the hub.
function refuseOversized(outputs, limit) {
  let elements = 0;
  let bytes = 0;
  for (const [name, tensor] of Object.entries(outputs)) {
    const own = tensor.dims.reduce((n, d) => n * d, 1);
    const ownBytes = tensorBytes(tensor);
    elements += own;
    bytes += ownBytes;
    if ((limit.elements !== undefined && elements > limit.elements) || (limit.bytes !== undefined && bytes > limit.bytes)) {
      throw new OutputTooLarge({ name, type: tensor.type, dims: [...tensor.dims], elements: own, bytes: ownBytes, limit });
    }
  }
}

const OPS = {
  async open(request) {
    // From bytes, even for a path: onnxruntime then has no directory to resolve external data in.
    const bytes = request.bytes ?? readFileSync(request.path);
    const created = await ort.InferenceSession.create(bytes, request.options);
    const id = nextSession++;
    sessions.set(id, created);
    return { session: id, inputNames: created.inputNames, outputNames: created.outputNames, inputMetadata: created.inputMetadata, outputMetadata: created.outputMetadata };
  },
  async run(request) {
    const found = session(request.session);
    const feeds = tensors(request.feeds);
    // ort logs failed runs at ERROR on stderr; the parent reports the error itself.
    const outputs = request.fetches ? await found.run(feeds, request.fetches, { logSeverityLevel: 4 }) : await found.run(feeds, { logSeverityLevel: 4 });
    refuseOversized(outputs, request.maxOutput ?? {});
    const result = {};
    for (const [name, tensor] of Object.entries(outputs)) result[name] = { type: tensor.type, dims: [...tensor.dims], data: tensor.data };
    return { outputs: result };
  },
  async time(request) {
    const found = session(request.session);
    const feeds = tensors(request.feeds);
    for (let i = 0; i < request.warmUp; i++) await found.run(feeds);
    const times = [];
    for (let i = 0; i < request.runs; i++) {
      const started = performance.now();
      await found.run(feeds);
      times.push(performance.now() - started);
    }
    // The same median as adapters/latency.ts medianMicros.
    times.sort((a, b) => a - b);
    return { micros: (times[Math.floor(times.length / 2)] ?? 0) * 1000 };
  },
  async release(request) {
    const found = sessions.get(request.session);
    sessions.delete(request.session);
    await found?.release();
    return {};
  },
};

process.on('message', async (request) => {
  const op = OPS[request.op];
  try {
    if (!op) throw new Error(`unknown op ${request.op}`);
    await send({ id: request.id, ok: true, ...(await op(request)) });
  } catch (error) {
    if (error instanceof OutputTooLarge) await send({ id: request.id, ok: false, message: error.message, outputTooLarge: error.fields });
    else await send({ id: request.id, ok: false, message: messageOf(error) });
  }
});
process.on('disconnect', () => process.exit(0));

await send({ ready: true });
