/** The dataset worker thread: parses and explores one stored CSV off the hub's event loop. */
import { serveWorkerTask } from '../adapters/jobs/serve-worker-task';
import { inspectDataset, type InspectInput, type InspectResult } from '../services/datasets/datasets-inspect';

serveWorkerTask<InspectInput, never, InspectResult>((input) => inspectDataset(input));
