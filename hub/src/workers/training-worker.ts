/** The training worker thread: runs one training pipeline and hands its outcome back. */
import { serveWorkerTask } from '../adapters/jobs/serve-worker-task';
import { runTrainingPipeline } from '../services/training/training-pipeline';
import type { TrainingInput, TrainingOutcome, TrainingProgress } from '../services/training/training-types';

serveWorkerTask<TrainingInput, TrainingProgress, TrainingOutcome>((input, ctx) => runTrainingPipeline(input, { progress: (p) => ctx.progress(p), log: (level, message) => ctx.log(level, message) }));
