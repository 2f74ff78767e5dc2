/**
 * Runs on one machine: a pool of worker processes (tinypool, `child_process` runtime), as many as
 * CPUs by default. Each worker is its own Node process with its own tensor backend on one thread
 * (the runs are the parallelism), so a run that crashes its process does not touch the notebook.
 */
import * as path from 'path';
import type { SweepRun } from './grid';
import type { ExperimentRef } from './experiment';
import { SweepRow, decodeNumbers } from './results';

/**
 * Runs every run on `workers` processes; `onRow` is called as each finishes. When `signal` aborts,
 * the worker processes are killed (their runs are lost) and the promise rejects with its reason.
 */
export async function runOnPool(ref: Required<ExperimentRef>, runs: SweepRun[], workers: number, onRow: (row: SweepRow) => void, signal?: AbortSignal): Promise<SweepRow[]> {
  // Loaded on first use (tinypool is an ES module; Node 20 requires it synchronously).
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { Tinypool } = require('tinypool') as typeof import('tinypool');
  const pool = new Tinypool({
    filename: path.join(__dirname, 'poolWorker.js'),
    runtime: 'child_process',
    minThreads: Math.min(workers, runs.length),
    maxThreads: Math.min(workers, runs.length),
    // One thread per worker: the workers are the parallelism. Their output reaches the notebook: no
    // library notices from every worker (the experiment's own output and all warnings still show).
    env: { ...(process.env as Record<string, string>), AVALANCHE_TS_THREADS: '1', AVALANCHE_TS_QUIET: '1' },
  });
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
  } finally {
    if (stop) signal?.removeEventListener('abort', stop);
    await pool.destroy();
  }
}
