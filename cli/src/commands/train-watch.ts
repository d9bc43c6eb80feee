/**
 * Following a training run until it ends: its log lines as they arrive and its progress (a bar
 * when both streams are terminals, else a line whenever the stage changes or another tenth is done).
 * Polls at a bounded interval: a run changes a few times a second at most.
 */
import { ok, type Hub } from '../api';
import type { TrainingRun } from '../api-types';
import type { Ctx } from '../context';
import { patientReads } from '../patience';
import { restoreOnSignal, sleep } from '../progress';
import { isFinished, logLine, progressLabel, progressLine } from '../views/training';

interface Display {
  progress(run: TrainingRun): void;
  log(text: string): void;
  stop(): void;
}

async function display(ctx: Ctx, id: string): Promise<Display> {
  const out = ctx.out;
  if (out.tty && out.errTty && !out.json) {
    const { MultiBar } = await import('cli-progress');
    const bars = new MultiBar({ format: 'training [{bar}] {percentage}% {label}', stream: process.stderr, hideCursor: true, barsize: 24, clearOnComplete: false, fps: 5 });
    const bar = bars.create(100, 0, { label: 'queued' });
    const finish = (): void => {
      // update() writes the log lines still buffered; stop() alone would drop them.
      bars.update();
      bars.stop();
    };
    // Ctrl-C stops the watching, not the run: say so, and how to get back to it.
    const release = restoreOnSignal(finish, () => `Stopped watching; training run ${id} goes on. Watch it again: edgefleet train watch ${id}; stop it: edgefleet train cancel ${id}`);
    return {
      progress: (run) => bar.update(Math.round(run.progress * 100), { label: progressLabel(run) }),
      // Above the bar, on the same terminal.
      log: (text) => bars.log(`${text}\n`),
      stop: () => {
        release();
        finish();
      },
    };
  }
  let shown = '';
  return {
    progress(run) {
      const key = `${run.stage}|${Math.floor(run.progress * 10)}`;
      if (key !== shown) {
        shown = key;
        out.line(progressLine(run));
      }
    },
    log: (text) => out.line(text),
    stop: () => undefined,
  };
}

export async function watchRun(ctx: Ctx, hub: Hub, id: string, intervalMs: number): Promise<TrainingRun> {
  const show = await display(ctx, id);
  const read = patientReads(ctx.out);
  let after = 0;
  const drainLogs = async (): Promise<void> => {
    const { logs } = await read(() => ok(hub, hub.client.GET('/api/v1/training-runs/{id}/logs', { params: { path: { id }, query: { after } } })));
    for (const entry of logs) {
      show.log(logLine(entry));
      after = Math.max(after, entry.seq);
    }
  };
  try {
    for (;;) {
      const run = await read(() => ok(hub, hub.client.GET('/api/v1/training-runs/{id}', { params: { path: { id } } })));
      // The run first, then its logs: lines written before it finished are all read below.
      await drainLogs();
      show.progress(run);
      if (isFinished(run.status)) return run;
      await sleep(intervalMs);
    }
  } finally {
    show.stop();
  }
}
