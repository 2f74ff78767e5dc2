/** A tqdm-like text progress bar that redraws in place with `\r` (in a terminal and in a notebook). */

/** Options of `ProgressBar`. */
export interface ProgressBarOptions {
  /** Where to write (default: process.stdout). */
  write?: (text: string) => void;
  /** Minimum time between redraws, ms (default 250). */
  minIntervalMs?: number;
  /** Bar width in characters (default 20). */
  width?: number;
}

/** `45%|█████████           | 9/20 [00:01<00:01, 7.52it/s]`, redrawn at most every `minIntervalMs`. */
export class ProgressBar {
  private readonly write: (text: string) => void;
  private readonly minIntervalMs: number;
  private readonly width: number;
  private readonly start = Date.now();
  private lastDraw = 0;
  private count = 0;

  constructor(
    private readonly total: number | undefined,
    options: ProgressBarOptions = {},
  ) {
    this.write = options.write ?? ((text) => process.stdout.write(text));
    this.minIntervalMs = options.minIntervalMs ?? 250;
    this.width = options.width ?? 20;
  }

  /** Advances by `n` steps, redrawing if enough time passed. */
  update(n = 1): void {
    this.count += n;
    const now = Date.now();
    if (now - this.lastDraw >= this.minIntervalMs) {
      this.lastDraw = now;
      this.write(`\r${this.render(now)}`);
    }
  }

  /** Draws the final state and ends the line. */
  close(): void {
    this.write(`\r${this.render(Date.now())}\n`);
  }

  /** The bar's text at time `now`. */
  render(now: number): string {
    const elapsed = (now - this.start) / 1000;
    const rate = elapsed > 0 ? this.count / elapsed : 0;
    const rateText = `${rate.toFixed(2)}it/s`;
    if (!this.total) return `${this.count}it [${clock(elapsed)}, ${rateText}]`;
    const frac = Math.min(1, this.count / this.total);
    const filled = Math.round(frac * this.width);
    const remaining = rate > 0 ? (this.total - this.count) / rate : 0;
    const pct = `${Math.round(frac * 100)}%`.padStart(4);
    return `${pct}|${'█'.repeat(filled)}${' '.repeat(this.width - filled)}| ${this.count}/${this.total} [${clock(elapsed)}<${clock(remaining)}, ${rateText}]`;
  }
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const mm = String(Math.floor(s / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${mm}:${ss}`;
}
