/**
 * The statistics decode worker thread: checks windows off the hub's event loop. Decoding and
 * validating a window (protocol decodeStatsWindow: JSON, then the packed and the canonical schema)
 * was two thirds of what ingesting one cost the main thread; the main thread gets each valid
 * window back as canonical JSON, which it parses in a fraction of that (services/stats-decoder.ts).
 */
import { parentPort } from 'node:worker_threads';
import { ProtocolError, decodeStatsWindow } from '@edgefleet/protocol';
import type { DecodeReply, DecodeRequest, DecodedPayload } from '../services/stats-decoder';

const port = parentPort;
if (!port) throw new Error('the stats decode worker must run inside a worker thread');

port.on('message', (request: DecodeRequest) => {
  const results = request.payloads.map((payload): DecodedPayload => {
    try {
      return { json: JSON.stringify(decodeStatsWindow(payload, 'stats')) };
    } catch (error) {
      // Anything but a refusal is the main thread's to meet again (and to log as it always did).
      return error instanceof ProtocolError ? { code: error.code, message: error.message } : { retry: true };
    }
  });
  const reply: DecodeReply = { id: request.id, results };
  port.postMessage(reply);
});
const ready: DecodeReply = { id: 0, results: [] };
port.postMessage(ready);
