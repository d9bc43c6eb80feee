/** The training worker thread: runs one unit of a training run (a search trial, or the run) and hands its result back. */
import { serveWorkerTask } from '../adapters/jobs/serve-worker-task';
import { runTrainingUnit } from '../services/training/training-pipeline';
import type { TrainingInput, TrainingProgress, TrainingResult } from '../services/training/training-types';

serveWorkerTask<TrainingInput, TrainingProgress, TrainingResult>((input, ctx) => runTrainingUnit(input, { progress: (p) => ctx.progress(p), log: (level, message) => ctx.log(level, message) }));
