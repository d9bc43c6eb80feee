// Worker threads do not inherit tsx's loader from the main thread, so each worker registers it
// before importing its TypeScript entry. Plain JS on purpose: this file runs before any loader.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
