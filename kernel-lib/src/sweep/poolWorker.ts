/**
 * A pool worker process (tinypool loads this file as the process starts). The process first loads
 * the library, starts its tensor backend and runs the pool's setup function, if any; its tasks wait
 * for that. A task is one run of the experiment, its row as plain data (NaN and ±Infinity tagged).
 */
import { initBackend } from '../backend/backends';
import type { SweepRun } from './grid';
import { ExperimentRef, checkExperimentRef, loadExperiment, runOne, runSetup, workerName } from './experiment';
import { SWEEP_SETUP_ENV_VAR } from './localPool';
import { encodeNumbers } from './results';

async function prepare(): Promise<void> {
  // The whole library, as the experiment will require it (the same module instance).
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  require('../index');
  await initBackend({ verbose: false });
  const setting = process.env[SWEEP_SETUP_ENV_VAR];
  if (!setting) return;
  const where = `sweep pool worker ${workerName()}`;
  await runSetup(checkExperimentRef(JSON.parse(setting), where, 'setup'), where);
}

const ready = prepare();
ready.catch(() => {}); // reported by every task, which awaits it

/** Resolves with this worker's name once it is ready (what `startSweepPool` waits for). */
export async function readyTask(): Promise<string> {
  await ready;
  return workerName();
}

/** Runs `run` with the experiment `ref` names. */
export async function runTask(task: { ref: Required<ExperimentRef>; run: SweepRun }): Promise<unknown> {
  await ready;
  return encodeNumbers(await runOne(loadExperiment(task.ref), task.run, workerName()));
}
