/**
 * Where the demo writes. On a terminal: one frame redrawn in place (cursor home, each line
 * cleared to its end, the rest of the screen cleared, so nothing flickers), the view on top and
 * the newest log lines under it. Elsewhere (piped to a file or CI): log lines as they come, and
 * the one-line status whenever it changes, never escape codes.
 */
import { formatDuration } from './view';

const MAX_LOG = 500;

export class Terminal {
  readonly interactive: boolean;
  private readonly lines: string[] = [];
  private view: string[] = [];
  private lastStatus = '';
  private drawn = false;
  private readonly started = Date.now();

  constructor(private readonly out: NodeJS.WriteStream) {
    this.interactive = out.isTTY === true && process.env['TERM'] !== 'dumb';
  }

  /** A log line, stamped with the time since the demo started. */
  log(line: string): void {
    const stamped = `${formatDuration(Date.now() - this.started).padStart(5)}  ${line}`;
    this.lines.push(stamped);
    if (this.lines.length > MAX_LOG) this.lines.splice(0, this.lines.length - MAX_LOG);
    if (this.interactive) this.draw();
    else this.out.write(`${stamped}\n`);
  }

  /** A new view (terminal), or a status line printed when it changed (elsewhere). */
  show(view: string[], status: string): void {
    this.view = view;
    if (this.interactive) this.draw();
    else if (status !== this.lastStatus) {
      this.lastStatus = status;
      this.out.write(`${formatDuration(Date.now() - this.started).padStart(5)}  status: ${status}\n`);
    }
  }

  /** Leaves the last frame on screen and puts the cursor under it, visible. */
  finish(): void {
    if (this.interactive && this.drawn) this.out.write('\x1b[?25h\n');
  }

  private draw(): void {
    const rows = this.out.rows ?? 40;
    const columns = this.out.columns ?? 120;
    const room = Math.max(3, rows - this.view.length - 2);
    // Long lines (a gate's summary) wrap, indented under their timestamp; the newest fill the room.
    const log = this.lines.flatMap((l) => wrap(l, columns - 1)).slice(-room);
    const frame = [...this.view, '\x1b[2mlog\x1b[0m', ...log];
    // First frame: clear the screen once and hide the cursor; later ones redraw from the top.
    const start = this.drawn ? '\x1b[H' : '\x1b[2J\x1b[H\x1b[?25l';
    this.drawn = true;
    this.out.write(`${start}${frame.map((l) => `${l}\x1b[K`).join('\n')}\x1b[J`);
  }
}

const INDENT = ' '.repeat(7);

/** Splits a line into pieces of at most `width` characters, continuation lines indented. */
export function wrap(line: string, width: number): string[] {
  if (line.length <= width || width <= INDENT.length + 10) return [line.slice(0, Math.max(1, width))];
  const out = [line.slice(0, width)];
  for (let at = width; at < line.length; at += width - INDENT.length) out.push(INDENT + line.slice(at, at + width - INDENT.length));
  return out;
}
