/**
 * The experiment a sweep runs. Workers (a pool's processes, queue workers on other machines) cannot
 * receive a function: they load it, so an experiment is named by a module path and an export name
 * (`{ module: '/path/to/experiments.js', export: 'run' }`), the module resolvable on every machine
 * that runs it (the same checkout, or an installed package). A function works for serial runs only.
 */
import * as os from 'os';
import * as path from 'path';
import type { SweepConfig, SweepRun } from './grid';
import { errorSummary } from '../utils/errorText';
import { SweepMetrics, SweepRow, decodeNumbers, encodeNumbers } from './results';

/** `run(config, seed)`: trains and evaluates, and returns the metrics (e.g. `evaluator.getAllMetrics()`). */
export type ExperimentFunction = (config: SweepConfig, seed: number) => SweepMetrics | Promise<SweepMetrics>;

/** Where a worker finds the experiment function. */
export interface ExperimentRef {
  /** An absolute path (or a package name) that `require` resolves on the worker's machine. */
  module: string;
  /** The exported function's name (default `run`; `setup` for a pool's setup function). */
  export?: string;
}

/**
 * Throws unless `ref` names a module and an export; returns it with the export filled in. `option`
 * is the option's name, in the messages and as the default export name (`run`, or `setup` for a
 * pool's setup function).
 */
export function checkExperimentRef(ref: unknown, where: string, option = 'run'): Required<ExperimentRef> {
  const r = ref as ExperimentRef;
  if (r === null || typeof r !== 'object' || typeof r.module !== 'string' || r.module === '') {
    const allowed = option === 'run' ? 'a function (serial runs) or { module, export } naming the experiment for workers' : '{ module, export } naming a function the workers load';
    throw new Error(`${where}: ${option} must be ${allowed}, got ${JSON.stringify(ref)}`);
  }
  if (r.module.startsWith('.')) throw new Error(`${where}: ${option}.module must be an absolute path or a package name (workers start elsewhere), got '${r.module}'; use path.resolve or require.resolve`);
  const name = r.export ?? option;
  if (typeof name !== 'string' || name === '') throw new Error(`${where}: ${option}.export must be the exported function's name, got ${JSON.stringify(r.export)}`);
  return { module: r.module, export: name };
}

/**
 * Loads the experiment function a reference names. A module given by path is read afresh at each
 * load (once per serial sweep, once per run in a worker), so that an experiment edited between two
 * sweeps runs as edited in a kernel, a pool worker kept warm or a queue worker; what it requires
 * stays cached. A package is loaded once.
 */
export function loadExperiment<F = ExperimentFunction>(ref: Required<ExperimentRef>): F {
  const file = path.isAbsolute(ref.module) ? require.resolve(ref.module) : require.resolve(ref.module, { paths: [process.cwd()] });
  if (path.isAbsolute(ref.module)) delete require.cache[file];
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mod = require(file);
  const fn = mod?.[ref.export] ?? (ref.export === 'default' ? mod : undefined);
  if (typeof fn !== 'function') {
    throw new Error(`the experiment module ${ref.module} has no exported function '${ref.export}' (exports: ${Object.keys(mod ?? {}).join(', ') || 'none'})`);
  }
  return fn as F;
}

/**
 * Runs a setup function once (a pool worker's or a queue worker's, before it takes runs); an error
 * names the setup and `where` it ran.
 */
export async function runSetup(ref: Required<ExperimentRef>, where: string): Promise<void> {
  try {
    await loadExperiment<() => unknown>(ref)();
  } catch (error) {
    throw new Error(`the setup (${ref.module}, export '${ref.export}') failed in ${where}: ${errorSummary(error)}`);
  }
}

/** This process, as rows name it. */
export function workerName(): string {
  return `${os.hostname()}:${process.pid}`;
}

/**
 * Runs one configuration with one seed and makes its row: the metrics, or the error if it threw
 * (a failed run is a row too, so that one bad run does not stop the others).
 */
export async function runOne(fn: ExperimentFunction, run: SweepRun, worker: string): Promise<SweepRow> {
  const t0 = process.hrtime.bigint();
  const base = { configIndex: run.configIndex, config: run.config, seed: run.seed, worker };
  try {
    const metrics = await fn(run.config, run.seed);
    if (metrics === null || typeof metrics !== 'object') throw new Error(`the experiment returned ${JSON.stringify(metrics)}; it must return an object of metrics`);
    // A plain-data copy: what a worker would send, so serial and parallel rows are alike.
    const plain = decodeNumbers(JSON.parse(JSON.stringify(encodeNumbers(metrics)))) as SweepMetrics;
    return { ...base, metrics: plain, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
  } catch (error) {
    return { ...base, error: errorSummary(error), seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
  }
}
