/**
 * The task a pool worker process runs (tinypool loads this file): one run of the experiment, its row
 * as plain data (NaN and ±Infinity tagged).
 */
import type { SweepRun } from './grid';
import { ExperimentRef, loadExperiment, runOne, workerName } from './experiment';
import { encodeNumbers } from './results';

/** Runs `run` with the experiment `ref` names. */
export async function runTask(task: { ref: Required<ExperimentRef>; run: SweepRun }): Promise<unknown> {
  return encodeNumbers(await runOne(loadExperiment(task.ref), task.run, workerName()));
}
