/**
 * Runs on one machine: a pool of worker processes (tinypool, `child_process` runtime), as many as
 * CPUs by default. Each worker is its own Node process with its own tensor backend on one thread
 * (the runs are the parallelism), so a run that crashes its process does not touch the notebook.
 * The pool is kept for the next sweep while its workers are idle.
 */
import * as path from 'path';
import type { SweepRun } from './grid';
import type { ExperimentRef } from './experiment';
import { SweepRow, decodeNumbers } from './results';

/** How long pool workers wait idle for the next sweep before they end (they also end with this process). */
export const POOL_IDLE_MS = 120_000;

type Pool = InstanceType<typeof import('tinypool').Tinypool>;
let shared: { pool: Pool; key: string } | null = null;

/**
 * The pool of `workers` processes, kept between sweeps: a second sweep finds its workers with the
 * library, the backend and the data already loaded (about a second per worker on this VM's first
 * run). A different worker count or environment makes a new pool.
 */
function sharedPool(workers: number): Pool {
  // One thread per worker: the workers are the parallelism. Their output reaches the notebook: no
  // library notices from every worker (the experiment's own output and all warnings still show).
  const env = { ...(process.env as Record<string, string>), AVALANCHE_TS_THREADS: '1', AVALANCHE_TS_QUIET: '1' };
  const key = JSON.stringify([workers, env]);
  if (shared?.key === key) return shared.pool;
  void closeSweepPool();
  // Loaded on first use (tinypool is an ES module; Node 20 requires it synchronously).
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { Tinypool } = require('tinypool') as typeof import('tinypool');
  // Workers start as runs arrive (no more than there are runs) and end after POOL_IDLE_MS idle;
  // tinypool unrefs idle workers, so a script that swept still exits.
  const pool = new Tinypool({ filename: path.join(__dirname, 'poolWorker.js'), runtime: 'child_process', minThreads: 0, maxThreads: workers, idleTimeout: POOL_IDLE_MS, env });
  shared = { pool, key };
  return pool;
}

/** Ends the sweep pool's worker processes now (otherwise they end after two idle minutes, or with this process). */
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
  let stop: (() => void) | null = null;
  const stopped = new Promise<never>((_, reject) => {
    stop = () => reject(signal!.reason);
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
  stopped.catch(() => {});
  try {
    const all = Promise.all(runs.map(async (run) => {
      const row = decodeNumbers(await pool.run({ ref, run }, { name: 'runTask' })) as SweepRow;
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
    if (stop) signal?.removeEventListener('abort', stop);
  }
}
