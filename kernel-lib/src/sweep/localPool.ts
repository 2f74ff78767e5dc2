/**
 * Runs on one machine: a pool of worker processes (tinypool, `child_process` runtime), as many as
 * CPUs by default. Each worker is its own Node process with its own tensor backend on one thread
 * (the runs are the parallelism), so a run that crashes its process does not touch the notebook.
 * The pool is kept for the next sweep while its workers are idle, or started ahead by `startSweepPool`.
 */
import * as os from 'os';
import * as path from 'path';
import { beginRun, listenForKernelInterrupt } from '../training/runControl';
import { checkKnownOptions } from '../utils/validate';
import type { SweepRun } from './grid';
import { ExperimentRef, checkExperimentRef } from './experiment';
import { SweepRow, decodeNumbers } from './results';

/** How long pool workers wait idle for the next sweep before they end (they also end with this process). */
export const POOL_IDLE_MS = 120_000;

type Pool = InstanceType<typeof import('tinypool').Tinypool>;
/** The pool kept between sweeps; `ahead` when `startSweepPool` started it (with `setup`, as JSON). */
let shared: { pool: Pool; workers: number; baseEnv: string; setup: string; ahead: boolean } | null = null;

/** The environment variable that names a started pool's setup function to its workers (JSON `{ module, export }`). */
export const SWEEP_SETUP_ENV_VAR = 'AVALANCHE_TS_SWEEP_SETUP';

/** Options of `startSweepPool`. */
export interface StartSweepPoolOptions {
  /** Worker processes (default: one per CPU). */
  workers?: number;
  /**
   * A function every worker runs once as it starts, before any run (Python's `Pool(initializer=...)`):
   * `{ module, export }`, e.g. one that loads the experiment's data set. Called with no arguments.
   */
  setup?: ExperimentRef;
  /** Stops waiting and ends the pool when aborted (the kernel's stop button does the same). */
  signal?: AbortSignal;
}

/** What `startSweepPool` started. */
export interface SweepPoolInfo {
  /** The worker processes, as rows name them (`host:pid`). */
  workers: string[];
  /** Seconds until every worker had loaded the library, started its backend and run the setup. */
  seconds: number;
}

/**
 * An Error for a task's rejection: a worker process sends its error as plain data (name, message,
 * stack), which would otherwise reach the notebook as a bare object.
 */
function asError(reason: unknown): unknown {
  if (reason instanceof Error || reason === null || typeof reason !== 'object' || typeof (reason as Error).message !== 'string') return reason;
  const { name, message, stack } = reason as Error;
  const error = new Error(message);
  if (typeof name === 'string') error.name = name;
  if (typeof stack === 'string') error.stack = stack;
  return error;
}

/** Runs task `name` of poolWorker.js on the pool; a worker's error arrives as an Error. */
function runPoolTask<T>(pool: Pool, name: string, task: unknown): Promise<T> {
  return pool.run(task, { name }).catch((e: unknown) => Promise.reject(asError(e))) as Promise<T>;
}

/**
 * A promise that rejects with `reason()` once `signal` aborts (never without a signal), raced
 * against a pool's tasks; `release` drops its listener.
 */
function untilAborted(signal: AbortSignal | undefined, reason: () => unknown): { stopped: Promise<never>; release: () => void } {
  let stop: (() => void) | null = null;
  const stopped = new Promise<never>((_, reject) => {
    stop = () => reject(reason());
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
  stopped.catch(() => {}); // when the tasks win, nobody awaits it
  return { stopped, release: () => { if (stop) signal?.removeEventListener('abort', stop); } };
}

/** The environment of the workers: one thread each (the workers are the parallelism), library notices off. */
function workerEnv(): Record<string, string> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), AVALANCHE_TS_THREADS: '1', AVALANCHE_TS_QUIET: '1' };
  delete env[SWEEP_SETUP_ENV_VAR];
  return env;
}

function newPool(workers: number, env: Record<string, string>, setup: Required<ExperimentRef> | null, startNow: boolean): Pool {
  // Loaded on first use (tinypool is an ES module; Node 20 requires it synchronously).
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { Tinypool } = require('tinypool') as typeof import('tinypool');
  // A pool started by startSweepPool starts all its workers now and keeps them until closed; one a
  // sweep starts grows as runs arrive and its idle workers end after POOL_IDLE_MS. Either way
  // tinypool unrefs idle workers, so a script that swept still exits.
  return new Tinypool({
    filename: path.join(__dirname, 'poolWorker.js'),
    runtime: 'child_process',
    minThreads: startNow ? workers : 0,
    maxThreads: workers,
    idleTimeout: POOL_IDLE_MS,
    env: setup ? { ...env, [SWEEP_SETUP_ENV_VAR]: JSON.stringify(setup) } : env,
  });
}

/**
 * The pool of `workers` processes a sweep runs on: the one already there (started by
 * `startSweepPool` or kept from the last sweep, whatever its setup) when it has as many workers and
 * the same environment, else a new one. A kept pool's workers have the library, the backend and the
 * data already loaded, and the code their runs use already compiled.
 */
function sharedPool(workers: number): Pool {
  const baseEnv = workerEnv();
  const key = JSON.stringify(baseEnv);
  if (shared && shared.workers === workers && shared.baseEnv === key) return shared.pool;
  void closeSweepPool();
  const pool = newPool(workers, baseEnv, null, false);
  shared = { pool, workers, baseEnv: key, setup: 'null', ahead: false };
  return pool;
}

/**
 * Starts the sweep pool ahead of the sweeps, as a notebook's setup cell would (like Dask's `Client()`
 * or ipyparallel's cluster): `workers` processes that each load the library, start their tensor
 * backend and run `setup`, while the notebook goes on. Resolves when all are ready; rejects (and
 * ends the pool) when a worker's setup throws. The workers stay until `closeSweepPool()` or the end
 * of this process; sweeps with as many workers run on them.
 */
export async function startSweepPool(options: StartSweepPoolOptions = {}): Promise<SweepPoolInfo> {
  checkKnownOptions('startSweepPool', options, ['workers', 'setup', 'signal']);
  const workers = options.workers ?? Math.max(1, os.cpus().length);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`startSweepPool: workers must be a whole number of processes (1 or more), got ${JSON.stringify(options.workers)}`);
  const setup = options.setup === undefined ? null : checkExperimentRef(options.setup, 'startSweepPool', 'setup');
  const t0 = process.hrtime.bigint();
  const baseEnv = workerEnv();
  const key = JSON.stringify(baseEnv);
  const setupKey = JSON.stringify(setup);
  if (!(shared?.ahead && shared.workers === workers && shared.baseEnv === key && shared.setup === setupKey)) {
    await closeSweepPool();
    shared = { pool: newPool(workers, baseEnv, setup, true), workers, baseEnv: key, setup: setupKey, ahead: true };
  }
  const pool = shared.pool;
  // A setup that hangs must not hang the notebook: the stop button (or the signal) ends the pool.
  const control = beginRun('startSweepPool', options.signal);
  await Promise.resolve();
  listenForKernelInterrupt();
  const { stopped, release } = untilAborted(control.signal, () => new Error(`startSweepPool stopped (${String(control.signal.reason)}) before its workers were ready; the pool is ended`));
  try {
    // One task per worker: each waits for its worker to be ready. All workers start at once and
    // loading the library takes longer than starting a process, so each takes one.
    const ready = Promise.all(Array.from({ length: workers }, () => runPoolTask<string>(pool, 'readyTask', {})));
    ready.catch(() => {}); // after a stop, the ended workers' tasks reject too
    const names = await Promise.race([ready, stopped]);
    return { workers: [...new Set(names)], seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
  } catch (error) {
    if (shared?.pool === pool) await closeSweepPool();
    throw error;
  } finally {
    release();
    control.end();
  }
}

/**
 * Ends the sweep pool's worker processes now (otherwise those a sweep started end after two idle
 * minutes, those `startSweepPool` started with this process).
 */
export async function closeSweepPool(): Promise<void> {
  const current = shared;
  shared = null;
  await current?.pool.destroy();
}

/**
 * Runs every run on `workers` processes; `onRow` is called as each finishes. When `signal` aborts,
 * the worker processes are killed (their runs are lost) and the promise rejects with its reason.
 */
export async function runOnPool(ref: Required<ExperimentRef>, runs: SweepRun[], workers: number, onRow: (row: SweepRow) => void, signal?: AbortSignal): Promise<SweepRow[]> {
  const pool = sharedPool(workers);
  const { stopped, release } = untilAborted(signal, () => signal!.reason);
  try {
    const all = Promise.all(runs.map(async (run) => {
      const row = decodeNumbers(await runPoolTask(pool, 'runTask', { ref, run })) as SweepRow;
      onRow(row);
      return row;
    }));
    all.catch(() => {}); // after an abort its rejections (destroyed workers) are expected
    return await Promise.race([all, stopped]);
  } catch (error) {
    // A stopped sweep kills its workers (their runs cannot be stopped from outside); a run that
    // crashed its worker leaves the pool as tinypool left it, so start afresh.
    if (shared?.pool === pool) await closeSweepPool();
    throw error;
  } finally {
    release();
  }
}
