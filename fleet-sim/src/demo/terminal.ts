/**
 * Where the demo writes. On a terminal: one frame redrawn in place (cursor home, each line
 * cleared to its end, the rest of the screen cleared, so nothing flickers), the view on top and
 * the newest log lines under it. Elsewhere (piped to a file or CI): log lines as they come, and
 * the one-line status whenever it changes, never escape codes.
 */
import { cut, formatDuration, visibleLength } from './view';

const MAX_LOG = 500;
/** rows under the view: the `log` heading and at least three lines */
export const LOG_ROWS = 4;

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

  /** Rows the view may take: the terminal's (24 when unknown) less the log's. */
  viewHeight(): number {
    return Math.max(1, (this.out.rows ?? 24) - LOG_ROWS);
  }

  /** Columns the view may take (80 when unknown). */
  viewWidth(): number {
    return this.out.columns ?? 80;
  }

  /** Leaves the last frame on screen and puts the cursor under it, visible. */
  finish(): void {
    if (this.interactive && this.drawn) this.out.write('\x1b[?25h\n');
  }

  private draw(): void {
    const rows = this.out.rows ?? 24;
    const columns = this.out.columns ?? 80;
    // A link in the view may take more than one row on a narrow terminal: counted as it shows.
    const viewRows = this.view.reduce((sum, line) => sum + Math.max(1, Math.ceil(visibleLength(line) / columns)), 0);
    const room = Math.max(LOG_ROWS - 1, rows - viewRows - 2);
    // Nothing wraps: long lines (a gate's summary) are cut; the newest fill the room.
    const log = this.lines.slice(-room).map((l) => cut(l, columns - 1));
    const frame = [...this.view, '\x1b[2mlog\x1b[0m', ...log];
    // First frame: clear the screen once and hide the cursor; later ones redraw from the top.
    const start = this.drawn ? '\x1b[H' : '\x1b[2J\x1b[H\x1b[?25l';
    this.drawn = true;
    this.out.write(`${start}${frame.map((l) => `${l}\x1b[K`).join('\n')}\x1b[J`);
  }
}
