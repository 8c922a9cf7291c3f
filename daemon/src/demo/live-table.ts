/**
 * The table `astbill demo` shows while its calls run. On a terminal it is redrawn in place; on
 * anything else (a pipe, a CI log) one line is printed per change of a row's state, so that the
 * log reads as a timeline instead of a wall of repeated frames.
 */
import { table } from '../cli/format.js';

export interface LiveRow {
  /** Row id, first column in the timeline lines. */
  key: string;
  /** Cells under the headers (may hold running counters, e.g. talk seconds). */
  cells: string[];
  /** The row's state without counters: a timeline line is printed when it changes ('' = nothing to say yet). */
  event: string;
}

export interface LiveTableOptions {
  headers: string[];
  /** Redraw in place (a terminal) or print a line per change. */
  tty: boolean;
  write(text: string): void;
  /** Milliseconds since the demo started, for the timeline. */
  elapsedMs(): number;
  /** Terminal width: redrawn lines are cut to it so that none wraps (which would break the redraw). */
  columns?: number | undefined;
}

export class LiveTable {
  private drawnLines = 0;
  private lastFrame = '';
  private readonly lastEvent = new Map<string, string>();
  private readonly keyWidth: number;
  private headerShown = false;

  constructor(private readonly opts: LiveTableOptions) {
    this.keyWidth = 12;
  }

  /** Shows the current rows; `footer` lines (e.g. balances) only appear in the redrawn table. */
  update(rows: readonly LiveRow[], footer: readonly string[] = []): void {
    if (this.opts.tty) this.redraw(rows, footer);
    else this.timeline(rows);
  }

  /** Leaves the last frame on screen (TTY) and stops tracking it. */
  finish(): void {
    this.drawnLines = 0;
    this.lastFrame = '';
  }

  private redraw(rows: readonly LiveRow[], footer: readonly string[]): void {
    const body = table(
      this.opts.headers,
      rows.map((r) => r.cells),
    );
    const secs = (this.opts.elapsedMs() / 1000).toFixed(1);
    const width = this.opts.columns && this.opts.columns > 20 ? this.opts.columns - 1 : Infinity;
    const lines = [...body.trimEnd().split('\n'), ...footer, `  ${secs} s`].map((l) =>
      l.length > width ? l.slice(0, width) : l,
    );
    const frame = lines.join('\n');
    if (frame === this.lastFrame) return;
    // Back to the first line of the previous frame, overwrite each line (clearing its rest),
    // clear whatever the old frame had below, and leave the cursor under the new one.
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F` : '';
    this.opts.write(`${up}${lines.map((l) => `${l}\x1b[K`).join('\n')}\n\x1b[J`);
    this.lastFrame = frame;
    this.drawnLines = lines.length;
  }

  private timeline(rows: readonly LiveRow[]): void {
    if (!this.headerShown) {
      this.headerShown = true;
      this.opts.write(
        `${'time'.padStart(7)}  ${'call'.padEnd(this.keyWidth)}  what happened (one line per change)\n`,
      );
    }
    for (const r of rows) {
      if (this.lastEvent.get(r.key) === r.event) continue;
      this.lastEvent.set(r.key, r.event);
      if (r.event === '') continue;
      const at = `+${(this.opts.elapsedMs() / 1000).toFixed(1)}s`.padStart(7);
      this.opts.write(`${at}  ${r.key.padEnd(this.keyWidth)}  ${r.event}\n`);
    }
  }
}
