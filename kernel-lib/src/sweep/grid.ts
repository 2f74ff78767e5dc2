/**
 * A sweep's runs: the configurations of a grid (every combination of named parameter lists, in the
 * order given) or an explicit list, each crossed with every seed.
 */
import { describe } from '../utils/validate';

/** A configuration: parameter name → value (JSON values, so that it reaches workers and files). */
export type SweepConfig = Record<string, unknown>;

/** One run of a sweep: the index of its configuration, the configuration, and the seed. */
export interface SweepRun {
  configIndex: number;
  config: SweepConfig;
  seed: number;
}

/** Every combination of the grid's lists, the last parameter varying fastest (as nested loops). */
export function expandGrid(grid: Record<string, unknown[]>): SweepConfig[] {
  if (grid === null || typeof grid !== 'object' || Array.isArray(grid)) throw new Error(`sweep: grid must be an object of parameter lists, e.g. { lr: [0.01, 0.1] }, got ${describe(grid)}`);
  let configs: SweepConfig[] = [{}];
  for (const [name, values] of Object.entries(grid)) {
    if (!Array.isArray(values) || values.length === 0) throw new Error(`sweep: grid.${name} must be a non-empty list of values, got ${describe(values)}`);
    configs = configs.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  }
  return configs;
}

/** A short, stable label of a configuration: `strategy=Replay, lr=0.01`. */
export function configLabel(config: SweepConfig): string {
  const parts = Object.entries(config).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return parts.length ? parts.join(', ') : '(default)';
}

/** The runs of a sweep: each configuration with each seed, configuration-major. */
export function sweepRuns(configs: SweepConfig[], seeds: number[]): SweepRun[] {
  if (!Array.isArray(seeds) || seeds.length === 0 || seeds.some((s) => !Number.isInteger(s))) {
    throw new Error(`sweep: seeds must be a non-empty list of whole numbers, got ${describe(seeds)}`);
  }
  if (new Set(seeds).size !== seeds.length) throw new Error(`sweep: seeds has duplicates: ${seeds.join(', ')}`);
  const labels = configs.map(configLabel);
  const dup = labels.find((l, i) => labels.indexOf(l) !== i);
  if (dup !== undefined) throw new Error(`sweep: the configuration ${dup} is listed twice`);
  return configs.flatMap((config, configIndex) => seeds.map((seed) => ({ configIndex, config, seed })));
}
