/**
 * `sweep({ grid, seeds, run })`: every configuration of a grid with every seed, on one process
 * (serial), on a pool of worker processes on this machine (default), or through a Redis queue on as
 * many machines as run `avalanche-ts worker`. Returns a `SweepResults`: a row per (configuration,
 * seed), its summary over seeds, a table and a chart with ±sd bands.
 */
import * as os from 'os';
import { HtmlView } from '../display/htmlView';
import { inKernel } from '../display/jupyter';
import { newDisplay } from '../display/show';
import { beginRun, listenForKernelInterrupt } from '../training/runControl';
import { checkKnownOptions } from '../utils/validate';
import { SweepConfig, SweepRun, configLabel, expandGrid, sweepRuns } from './grid';
import { ExperimentFunction, ExperimentRef, checkExperimentRef, loadExperiment, runOne } from './experiment';
import { runOnPool } from './localPool';
import { SweepProgress, checkRedisUrl, checkSweepName, collectSweep, enqueueSweep } from './redisQueue';
import { SweepResults, SweepRow } from './results';

/** Options of `sweep`. */
export interface SweepOptions {
  /** Named parameter lists: every combination is a configuration. */
  grid?: Record<string, unknown[]>;
  /** Or the configurations themselves. */
  configs?: SweepConfig[];
  /** The seeds each configuration runs with. */
  seeds: number[];
  /** The experiment: `{ module, export }` (any mode), or a function (serial only). */
  run: ExperimentFunction | ExperimentRef;
  /** Worker processes on this machine (default: one per CPU); 0 runs serially in this process. */
  workers?: number;
  /** A Redis URL: enqueue the runs for `avalanche-ts worker` processes instead. */
  redis?: string;
  /** The sweep's name in the queue (default `sweep-<time>`): `attachSweep` finds it by this name. */
  name?: string;
  /** The BullMQ queue (default `avalanche-ts-sweeps`). */
  queue?: string;
  /** Show progress (default: a line updated in place when in a notebook, nothing otherwise). */
  progress?: boolean | ((p: SweepProgress) => void);
  /** Stops waiting (queue mode: the runs go on; `attachSweep` collects them later). */
  signal?: AbortSignal;
  /**
   * The rows of an earlier sweep that stopped (`SweepResults.load(file)`, or its rows): a run whose
   * configuration and seed are there, without an error, is not run again, and its row is part of the
   * results. Rows of configurations or seeds this sweep does not have are left out.
   */
  resume?: SweepResults | SweepRow[];
  /** Called with each new row as its run finishes (queue mode: as the sweep is collected), e.g. to save progress. */
  onRow?: (row: SweepRow) => void;
}

const SWEEP_OPTIONS = ['grid', 'configs', 'seeds', 'run', 'workers', 'redis', 'name', 'queue', 'progress', 'signal', 'resume', 'onRow'];

/** The rows of `resume` that stand for runs of this sweep (renumbered to its configurations), and the runs still to do. */
function splitResumed(runs: SweepRun[], resume: SweepOptions['resume']): { kept: SweepRow[]; todo: SweepRun[] } {
  if (resume === undefined) return { kept: [], todo: runs };
  const rows = resume instanceof SweepResults ? resume.rows : resume;
  if (!Array.isArray(rows)) throw new Error('sweep: resume must be a SweepResults or a list of its rows');
  const done = new Map(rows.filter((r) => r.error === undefined && r.metrics).map((r) => [`${configLabel(r.config)}\u0000${r.seed}`, r]));
  const kept: SweepRow[] = [];
  const todo: SweepRun[] = [];
  for (const run of runs) {
    const row = done.get(`${configLabel(run.config)}\u0000${run.seed}`);
    if (row) kept.push({ ...row, configIndex: run.configIndex, config: run.config });
    else todo.push(run);
  }
  return { kept, todo };
}

/** The progress reporter a sweep uses: a line updated in place in a kernel, or the user's callback. */
function reporter(option: SweepOptions['progress'], label: string): (p: SweepProgress) => void {
  if (typeof option === 'function') return option;
  if (option === false || (option === undefined && !inKernel())) return () => {};
  const display = newDisplay();
  return (p) => {
    const text = `${label}: ${p.done} done, ${p.running} running, ${p.failed} failed, ${p.waiting} waiting (of ${p.total})`;
    void display.update(new HtmlView(`<code>${text}</code>`, text));
  };
}

/**
 * A sweep stopped by its `signal` or the kernel's stop button. On one machine the runs not yet
 * finished are abandoned (pool processes are killed); `results` holds the rows that came back.
 */
export class SweepInterruptedError extends Error {
  /** The signal's reason (or the kernel interrupt's description). */
  readonly cause: unknown;

  constructor(message: string, readonly results: SweepResults, options: { cause?: unknown } = {}) {
    super(message);
    this.name = 'SweepInterruptedError';
    this.cause = options.cause;
  }
}

/** Runs the sweep and returns its rows. */
export async function sweep(options: SweepOptions): Promise<SweepResults> {
  checkKnownOptions('sweep', options, SWEEP_OPTIONS);
  if ((options.grid === undefined) === (options.configs === undefined)) throw new Error('sweep: give either grid (parameter lists) or configs (a list of configurations)');
  const configs = options.grid !== undefined ? expandGrid(options.grid) : options.configs!;
  if (!Array.isArray(configs) || configs.length === 0 || configs.some((c) => c === null || typeof c !== 'object' || Array.isArray(c))) {
    throw new Error('sweep: configs must be a non-empty list of objects');
  }
  if (options.onRow !== undefined && typeof options.onRow !== 'function') throw new Error('sweep: onRow must be a function (row) => void');
  const { kept, todo: runs } = splitResumed(sweepRuns(configs, options.seeds), options.resume);
  const isFunction = typeof options.run === 'function';
  const ref = isFunction ? null : checkExperimentRef(options.run, 'sweep');
  if (options.redis !== undefined) {
    const redis = checkRedisUrl(options.redis, 'sweep');
    if (!ref) throw new Error('sweep: with redis, run must be { module, export }: workers on other machines load the experiment, they cannot receive a function');
    const name = checkSweepName(options.name ?? `sweep-${new Date().toISOString().replace(/[:.]/g, '-')}`, 'sweep');
    if (runs.length > 0) await enqueueSweep({ redis, queue: options.queue, name, ref, runs });
    if (runs.length === 0) return new SweepResults(kept);
    const collected = await attachSweep({ redis, queue: options.queue, name, progress: options.progress, signal: options.signal, onRow: options.onRow });
    return new SweepResults([...kept, ...collected.rows]);
  }
  const workers = options.workers ?? (isFunction ? 0 : Math.max(1, os.cpus().length));
  if (!Number.isInteger(workers) || workers < 0) throw new Error(`sweep: workers must be 0 (serial) or a whole number of processes, got ${JSON.stringify(options.workers)}`);
  if (isFunction && workers > 0) throw new Error('sweep: worker processes load the experiment: pass run as { module, export } (or workers: 0 to run the function here, one run after another)');
  const report = reporter(options.progress, `sweep of ${runs.length} runs${kept.length ? ` (${kept.length} more resumed)` : ''}`);
  const rows: SweepRow[] = [];
  const add = (row: SweepRow) => {
    rows.push(row);
    options.onRow?.(row);
    progress();
  };
  // The user's signal and the kernel's stop button, as for train and eval.
  const control = beginRun('sweep', options.signal);
  await Promise.resolve();
  listenForKernelInterrupt();
  const interrupted = () => new SweepInterruptedError(
    `sweep interrupted (${String(control.signal.reason ?? 'aborted')}) with ${rows.length} of ${runs.length} runs done; error.results holds them${kept.length ? ` (and the ${kept.length} resumed)` : ''}`,
    new SweepResults([...kept, ...rows]),
    { cause: control.signal.reason },
  );
  const progress = () => {
    const failed = rows.filter((r) => r.error !== undefined).length;
    const running = Math.min(Math.max(workers, 1), runs.length - rows.length);
    report({ done: rows.length - failed, running, failed, waiting: runs.length - rows.length - running, total: runs.length });
  };
  progress();
  try {
    if (workers === 0) {
      const fn = isFunction ? (options.run as ExperimentFunction) : loadExperiment(ref!);
      for (const run of runs) {
        if (control.signal.aborted) throw interrupted();
        add(await runOne(fn, run, 'serial'));
      }
      if (control.signal.aborted) throw interrupted();
    } else if (runs.length > 0) {
      await runOnPool(ref!, runs, workers, add, control.signal).catch((error) => {
        throw control.signal.aborted ? interrupted() : error;
      });
    }
  } finally {
    control.end();
  }
  return new SweepResults([...kept, ...rows]);
}

/** Collects a queued sweep's rows, waiting for the runs still in the queue (a notebook re-attaching to a sweep it started earlier). */
export async function attachSweep(options: { redis: string; name: string; queue?: string; progress?: SweepOptions['progress']; signal?: AbortSignal; pollMs?: number; onRow?: SweepOptions['onRow'] }): Promise<SweepResults> {
  checkKnownOptions('attachSweep', options, ['redis', 'name', 'queue', 'progress', 'signal', 'pollMs', 'onRow']);
  const redis = checkRedisUrl(options.redis, 'attachSweep');
  const name = checkSweepName(options.name, 'attachSweep');
  const report = reporter(options.progress, `sweep ${name}`);
  return new SweepResults(await collectSweep({ redis, queue: options.queue, name, onProgress: report, onRow: options.onRow, signal: options.signal, pollMs: options.pollMs }));
}
