/**
 * `LivePlotLogger`: a logger that draws chosen metrics as they arrive and updates one chart in
 * place while a strategy trains (`update_display_data`), at most every `minIntervalMs`. The SVG is
 * rendered in a worker thread, so training does not wait for it; the logger waits for the final
 * chart at the end of each evaluation (or on `flush()`).
 */
import type { MetricValue } from '../evaluation/metricValue';
import type { StrategyLogger } from '../evaluation/loggers/logger';
import type { MimeBundle } from './jupyter';
import { BackgroundRenderer } from './backgroundRenderer';
import { LiveDisplay } from './show';
import { VEGA_LITE_SCHEMA, VegaLiteSpec } from './vegaLite';

/** Options of `LivePlotLogger`. */
export interface LivePlotOptions {
  /** Metric base names to draw (default: the training loss and accuracy per minibatch and epoch, and the stream accuracy). */
  metrics?: string[];
  /** Least time between two redraws, ms (default 500: at most 2 updates per second). */
  minIntervalMs?: number;
  title?: string;
  /** Where bundles go (default: the notebook, updated in place). For tests and benchmarks. */
  sink?: (bundle: MimeBundle, update: boolean) => void;
}

const DEFAULT_METRICS = ['Loss_MB', 'Top1_Acc_MB', 'Loss_Epoch', 'Top1_Acc_Epoch', 'Top1_Acc_Stream'];

/** Draws metrics live, one panel per metric, a line per series. */
export class LivePlotLogger implements StrategyLogger {
  readonly metrics: string[];
  readonly minIntervalMs: number;
  /** Number of redraws so far. */
  renders = 0;
  private readonly rows: Array<{ step: number; value: number; metric: string; series: string }> = [];
  private readonly display = new LiveDisplay();
  private readonly sink?: (bundle: MimeBundle, update: boolean) => void;
  private readonly title: string;
  private lastRender = 0;
  private dirty = false;
  private readonly renderer = new BackgroundRenderer();
  /** The render in flight, if any. */
  private inFlight: Promise<void> | null = null;
  /** A render was asked for while one was in flight. */
  private again = false;
  /** A failed render, reported by the next `flush`. */
  private failure: Error | null = null;

  constructor(options: LivePlotOptions = {}) {
    this.metrics = options.metrics ?? DEFAULT_METRICS;
    if (!Array.isArray(this.metrics) || this.metrics.length === 0) throw new Error('LivePlotLogger: metrics must be a non-empty list of metric names');
    this.minIntervalMs = options.minIntervalMs ?? 500;
    if (!(this.minIntervalMs >= 0)) throw new Error(`LivePlotLogger: minIntervalMs must be >= 0, got ${options.minIntervalMs}`);
    this.sink = options.sink;
    this.title = options.title ?? 'training';
  }

  logSingleMetric(value: MetricValue): void {
    if (typeof value.value !== 'number') return;
    const parts = value.name.split('/');
    if (!this.metrics.includes(parts[0])) return;
    this.rows.push({ step: value.xPlot, value: value.value, metric: parts[0], series: parts.slice(2).join('/') });
    this.dirty = true;
  }

  /** The chart of the values so far. */
  spec(): VegaLiteSpec {
    return {
      $schema: VEGA_LITE_SCHEMA,
      title: this.title,
      data: { values: this.rows.slice() },
      facet: { row: { field: 'metric', type: 'nominal', title: null } },
      spec: {
        width: 420,
        height: 110,
        mark: { type: 'line', point: { size: 12 } },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'training iteration' },
          y: { field: 'value', type: 'quantitative', title: null },
          color: { field: 'series', type: 'nominal', title: 'series' },
        },
      },
      resolve: { scale: { y: 'independent' } },
    };
  }

  /** Starts a redraw in the worker if one is due; never waits for it. */
  private request(force: boolean): void {
    if (!this.dirty || this.rows.length === 0) return;
    const now = Date.now();
    if (!force && now - this.lastRender < this.minIntervalMs) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.lastRender = now;
    this.dirty = false;
    this.inFlight = this.renderer.render(this.spec()).then(
      (bundle) => {
        this.publish(bundle);
        this.inFlight = null;
        if (this.again) {
          this.again = false;
          this.request(true);
        }
      },
      (error: Error) => {
        this.inFlight = null;
        this.failure = error;
      },
    );
  }

  private publish(bundle: MimeBundle): void {
    if (this.sink) this.sink(bundle, this.renders > 0);
    else this.display.updateBundle(bundle);
    this.renders += 1;
  }

  /** Draws every value received so far and waits until the chart shows them. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.failure) {
        const error = this.failure;
        this.failure = null;
        throw new Error(`LivePlotLogger: drawing the chart failed: ${error.message}`);
      }
      if (this.inFlight) await this.inFlight;
      else if (this.dirty || this.again) {
        this.again = false;
        this.request(true);
      } else return;
    }
  }

  /** Stops the rendering worker. */
  close(): Promise<void> {
    return this.renderer.close();
  }

  afterTrainingIteration(): void {
    this.request(false);
  }

  afterTrainingEpoch(): void {
    this.request(false);
  }

  afterTraining(): void {
    this.request(true);
  }

  afterEval(): Promise<void> {
    return this.flush();
  }
}
