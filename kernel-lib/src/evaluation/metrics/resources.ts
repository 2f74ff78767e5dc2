/**
 * Host-side metrics measured over a window (iteration, epoch, experience, stream), as Avalanche's
 * `timing_metrics`, `cpu_usage_metrics`, `ram_usage_metrics` and `disk_usage_metrics`. None of them
 * touches the device.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { BaseStrategy } from '../../training/template';
import { checkKnownOptions } from '../../utils/validate';
import { experienceTask } from '../metricValue';
import { AccumulatorResult, GranularityOptions, PluginMetric, TaskAccumulator, checkSelected, selectMetrics } from '../pluginMetric';

/** How a resource is measured over a window. */
interface Probe<S> {
  /** Called when the window opens. */
  start(): S;
  /** Called after each iteration in the window. */
  sample?(state: S): void;
  /** The value at the end of the window (`iterations`: iterations in the window so far). */
  value(state: S, iterations: number): number;
}

/** A window over which a probe measures; reset opens it, results close (read) it. */
class WindowAccumulator<S> implements TaskAccumulator {
  private state: S | null = null;
  private open = false;
  private iterations = 0;

  constructor(
    private readonly probe: Probe<S>,
    private readonly perIteration = false,
  ) {}

  reset(): void {
    this.state = this.probe.start();
    this.open = true;
    this.iterations = 0;
  }

  update(): void {
    this.iterations += 1;
    if (this.open) this.probe.sample?.(this.state as S);
  }

  results(strategy: BaseStrategy): AccumulatorResult[] {
    if (!this.open) return [];
    const value = this.probe.value(this.state as S, this.iterations);
    return [{ task: experienceTask(strategy), value: this.perIteration ? value / Math.max(1, this.iterations) : value }];
  }
}

const now = () => Number(process.hrtime.bigint()) / 1e9;

const FLAGS = ['minibatch', 'epoch', 'epochRunning', 'experience', 'stream'] as const;

function family(
  familyName: string,
  options: GranularityOptions,
  allowed: readonly (keyof GranularityOptions)[],
  extraOptions: readonly string[],
  names: Partial<Record<keyof GranularityOptions, string>>,
  make: (g: keyof GranularityOptions) => TaskAccumulator,
): PluginMetric[] {
  checkKnownOptions(familyName, options, [...allowed, ...extraOptions]);
  const metrics = selectMetrics(familyName, options, allowed, names, make);
  checkSelected(familyName, metrics, allowed);
  return metrics;
}

/**
 * Elapsed seconds (`Time_MB`, `Time_Epoch`, `Time_Exp`, `Time_Stream`); `epochRunning` is the mean
 * time per iteration so far in the epoch (`RunningTime_Epoch`).
 */
export function timingMetrics(options: GranularityOptions = {}): PluginMetric[] {
  const elapsed: Probe<{ t0: number }> = { start: () => ({ t0: now() }), value: (s) => now() - s.t0 };
  return family(
    'timingMetrics',
    options,
    FLAGS,
    [],
    { minibatch: 'Time_MB', epoch: 'Time_Epoch', epochRunning: 'RunningTime_Epoch', experience: 'Time_Exp', stream: 'Time_Stream' },
    (g) => new WindowAccumulator(elapsed, g === 'epochRunning'),
  );
}

/**
 * CPU usage of this process, in percent of one core, over the window (`CPUUsage_MB`, `CPUUsage_Epoch`,
 * `RunningCPUUsage_Epoch` (since the epoch began), `CPUUsage_Exp`, `CPUUsage_Stream`).
 */
export function cpuUsageMetrics(options: GranularityOptions = {}): PluginMetric[] {
  const cpu: Probe<{ t0: number; cpu0: NodeJS.CpuUsage }> = {
    start: () => ({ t0: now(), cpu0: process.cpuUsage() }),
    value: (s) => {
      const used = process.cpuUsage(s.cpu0);
      const wall = now() - s.t0;
      return wall > 0 ? ((used.user + used.system) / 1e6 / wall) * 100 : 0;
    },
  };
  return family(
    'cpuUsageMetrics',
    options,
    FLAGS,
    [],
    { minibatch: 'CPUUsage_MB', epoch: 'CPUUsage_Epoch', epochRunning: 'RunningCPUUsage_Epoch', experience: 'CPUUsage_Exp', stream: 'CPUUsage_Stream' },
    () => new WindowAccumulator(cpu),
  );
}

/** Options of `ramUsageMetrics`. */
export interface RamUsageOptions {
  minibatch?: boolean;
  epoch?: boolean;
  experience?: boolean;
  stream?: boolean;
  /** Sampling period of the background probe, seconds (default 0.5, as Avalanche). */
  everyXSeconds?: number;
}

/**
 * Peak resident memory (RSS) of this process in MB over the window (`MaxRAMUsage_MB`, `MaxRAMUsage_Epoch`,
 * `MaxRAMUsage_Experience`, `MaxRAMUsage_Stream`): sampled when the window opens, after each iteration and
 * by a background timer every `everyXSeconds`.
 */
export function ramUsageMetrics(options: RamUsageOptions = {}): PluginMetric[] {
  const period = options.everyXSeconds ?? 0.5;
  if (!(period > 0)) throw new Error(`ramUsageMetrics: everyXSeconds must be > 0, got ${period}`);
  const mb = () => process.memoryUsage.rss() / (1024 * 1024);
  const ram: Probe<{ peak: number; timer: NodeJS.Timeout }> = {
    start: () => {
      const state: { peak: number; timer: NodeJS.Timeout } = { peak: mb(), timer: setInterval(() => (state.peak = Math.max(state.peak, mb())), period * 1000) };
      state.timer.unref();
      return state;
    },
    sample: (s) => {
      s.peak = Math.max(s.peak, mb());
    },
    value: (s) => {
      clearInterval(s.timer);
      return Math.max(s.peak, mb());
    },
  };
  return family(
    'ramUsageMetrics',
    options,
    ['minibatch', 'epoch', 'experience', 'stream'],
    ['everyXSeconds'],
    { minibatch: 'MaxRAMUsage_MB', epoch: 'MaxRAMUsage_Epoch', experience: 'MaxRAMUsage_Experience', stream: 'MaxRAMUsage_Stream' },
    () => new WindowAccumulator(ram),
  );
}

/** Total size in bytes of the files under `target` (a file or a folder), not following links. */
export function pathSize(target: string): number {
  let total = 0;
  const stack = [target];
  while (stack.length) {
    const p = stack.pop()!;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      continue; // removed while walking
    }
    if (st.isDirectory()) {
      let entries: string[] = [];
      try {
        entries = fs.readdirSync(p);
      } catch {
        continue;
      }
      for (const e of entries) stack.push(path.join(p, e));
    } else if (st.isFile()) {
      total += st.size;
    }
  }
  return total;
}

/** Options of `diskUsageMetrics`. */
export interface DiskUsageOptions {
  minibatch?: boolean;
  epoch?: boolean;
  experience?: boolean;
  stream?: boolean;
  /** Files or folders whose size is measured (default: the working directory). */
  pathsToMonitor?: string | string[];
}

/**
 * Size in KB of the watched files and folders at the end of the window (`DiskUsage_MB`,
 * `DiskUsage_Epoch`, `DiskUsage_Exp`, `DiskUsage_Stream`), as Avalanche's.
 */
export function diskUsageMetrics(options: DiskUsageOptions = {}): PluginMetric[] {
  const paths = options.pathsToMonitor === undefined ? [process.cwd()] : ([] as string[]).concat(options.pathsToMonitor);
  for (const p of paths) {
    if (typeof p !== 'string' || !fs.existsSync(p)) throw new Error(`diskUsageMetrics: pathsToMonitor entry ${JSON.stringify(p)} does not exist`);
  }
  const disk: Probe<null> = { start: () => null, value: () => paths.reduce((a, p) => a + pathSize(p), 0) / 1024 };
  return family(
    'diskUsageMetrics',
    options,
    ['minibatch', 'epoch', 'experience', 'stream'],
    ['pathsToMonitor'],
    { minibatch: 'DiskUsage_MB', epoch: 'DiskUsage_Epoch', experience: 'DiskUsage_Exp', stream: 'DiskUsage_Stream' },
    () => new WindowAccumulator(disk),
  );
}
