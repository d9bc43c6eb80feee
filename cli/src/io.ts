/**
 * Where output goes. With --json, stdout holds exactly one JSON document (the hub's reply) and
 * everything else (progress, log lines while waiting, notes) goes to stderr; without it, the
 * readable lines go to stdout.
 */
export interface Output {
  json: boolean;
  /** stdout is a terminal: progress bars instead of progress lines */
  readonly tty: boolean;
  /** stderr is a terminal */
  readonly errTty: boolean;
  /** 80 columns, or fewer on a narrower terminal */
  readonly width: number;
  /** one readable line (stdout; stderr in --json mode, where stdout is the document's) */
  line(text: string): void;
  /** a note for people, always on stderr */
  note(text: string): void;
  /** the command's result: `data` as JSON with --json, else the rendered lines */
  result(data: unknown, render: () => readonly string[]): void;
}

export function processOutput(): Output {
  // `edgefleet ... | head`: the reader left; the rest of the output has nowhere to go.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  const out = (text: string): void => void process.stdout.write(`${text}\n`);
  const err = (text: string): void => void process.stderr.write(`${text}\n`);
  const output: Output = {
    json: false,
    tty: process.stdout.isTTY === true,
    errTty: process.stderr.isTTY === true,
    width: process.stdout.isTTY && process.stdout.columns ? Math.max(40, Math.min(80, process.stdout.columns)) : 80,
    line: (text) => (output.json ? err(text) : out(text)),
    note: err,
    result(data, render) {
      if (output.json) out(JSON.stringify(data ?? null, null, 2));
      else for (const text of render()) out(text);
    },
  };
  return output;
}
