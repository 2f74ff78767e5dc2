/**
 * Forgetting and backward transfer, as Avalanche's `forgetting_metrics` and `bwt_metrics`: the
 * accuracy on an experience right after training on it, minus its accuracy now (BWT is the opposite).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { StrategyEvent } from '../../training/events';
import type { BaseStrategy } from '../../training/template';
import { checkKnownOptions } from '../../utils/validate';
import { MetricEmission, experienceTask, metricName } from '../metricValue';
import { PluginMetric, checkSelected } from '../pluginMetric';
import { TaskSums, batchHitCount } from '../taskSums';

/**
 * Accuracy per evaluated experience, right after training on it ("initial") and at the last
 * evaluation. The accuracy of an evaluated experience is read with the other values of its event.
 */
export class ForgettingTracker {
  readonly initial = new Map<number, number>();
  readonly last = new Map<number, number>();
  private trainExp: number | null = null;
  /** Right predictions on the experience being evaluated (one running sum, task 0). */
  private readonly correct = new TaskSums();

  /**
   * Follows the strategy. At `afterEvalExp`, returns the device tensor of correct predictions and a
   * function that records the accuracy (call it with the read data) and returns the experience.
   */
  onEvent(event: StrategyEvent, strategy: BaseStrategy): { tensor: MetricEmission['tensor']; record: (data: Float32Array) => number } | null {
    switch (event) {
      case 'beforeTrainingExp':
        this.trainExp = strategy.experience!.currentExperience;
        break;
      case 'beforeEval':
        this.last.clear();
        break;
      case 'beforeEvalExp':
        this.clearAccuracy();
        break;
      case 'afterEvalIteration':
        // In tidy: a hit count computed here (no shared per-iteration tensor) is freed; the sum keeps its own.
        tf.tidy(() => this.correct.add(0, batchHitCount(strategy), 1, strategy.mbatch![0].shape[0]));
        break;
      case 'afterEvalExp': {
        const [correct] = this.correct.pendingMeans();
        if (!correct) return null;
        const exp = strategy.experience!.currentExperience;
        const justTrained = this.trainExp === exp;
        return {
          tensor: correct.tensor,
          record: (data) => {
            const accuracy = correct.finish(data);
            if (justTrained) this.initial.set(exp, accuracy);
            else this.last.set(exp, accuracy);
            return exp;
          },
        };
      }
      default:
    }
    return null;
  }

  /** Forgetting of experience `k` (initial - last), or null when it has no initial or last value. */
  forgetting(k: number): number | null {
    return this.initial.has(k) && this.last.has(k) ? this.initial.get(k)! - this.last.get(k)! : null;
  }

  /** Frees the running accuracy. */
  dispose(): void {
    this.clearAccuracy();
  }

  private clearAccuracy(): void {
    this.correct.reset();
  }
}

/** Forgetting (or BWT, with sign -1) of each evaluated experience trained before (`ExperienceForgetting`). */
export class ExperienceForgetting extends PluginMetric {
  readonly name: string;
  private readonly tracker = new ForgettingTracker();

  constructor(private readonly sign: 1 | -1 = 1) {
    super();
    this.name = sign === 1 ? 'ExperienceForgetting' : 'ExperienceBWT';
  }

  override dispose(): void {
    this.tracker.dispose();
  }

  onEvent(event: StrategyEvent, strategy: BaseStrategy): MetricEmission[] {
    const pending = this.tracker.onEvent(event, strategy);
    if (!pending) return [];
    return [
      {
        name: metricName(this.name, strategy, experienceTask(strategy), true),
        xPlot: strategy.clock.trainIterations,
        tensor: pending.tensor,
        finish: (data) => {
          const f = this.tracker.forgetting(pending.record(data));
          return f === null ? null : this.sign * f;
        },
      },
    ];
  }
}

/** Mean forgetting (or BWT) over the evaluated experiences of a stream (`StreamForgetting`, 0 when none). */
export class StreamForgetting extends PluginMetric {
  readonly name: string;
  private readonly tracker = new ForgettingTracker();
  private values: number[] = [];

  constructor(private readonly sign: 1 | -1 = 1) {
    super();
    this.name = sign === 1 ? 'StreamForgetting' : 'StreamBWT';
  }

  override dispose(): void {
    this.tracker.dispose();
  }

  onEvent(event: StrategyEvent, strategy: BaseStrategy): MetricEmission[] {
    if (event === 'beforeEval') this.values = [];
    const pending = this.tracker.onEvent(event, strategy);
    if (pending) {
      // Read with the event's other values; records the experience's forgetting and emits nothing.
      return [
        {
          name: this.name,
          xPlot: strategy.clock.trainIterations,
          tensor: pending.tensor,
          finish: (data) => {
            const f = this.tracker.forgetting(pending.record(data));
            if (f !== null) this.values.push(f);
            return null;
          },
        },
      ];
    }
    if (event !== 'afterEval') return [];
    const mean = this.values.length ? this.values.reduce((a, b) => a + b, 0) / this.values.length : 0;
    return [{ name: metricName(this.name, strategy, null, false), value: this.sign * mean, xPlot: strategy.clock.trainIterations }];
  }
}

/** Options of `forgettingMetrics` and `bwtMetrics`. */
export interface ForgettingOptions {
  /** Per evaluated experience (`ExperienceForgetting/.../Exp001`). */
  experience?: boolean;
  /** Mean over the stream (`StreamForgetting/eval_phase/test_stream`). */
  stream?: boolean;
}

function make(familyName: string, options: ForgettingOptions, sign: 1 | -1): PluginMetric[] {
  checkKnownOptions(familyName, options, ['experience', 'stream']);
  const metrics: PluginMetric[] = [];
  if (options.experience) metrics.push(new ExperienceForgetting(sign));
  if (options.stream) metrics.push(new StreamForgetting(sign));
  checkSelected(familyName, metrics, ['experience', 'stream']);
  return metrics;
}

/** Forgetting metrics: `ExperienceForgetting` and `StreamForgetting`. */
export function forgettingMetrics(options: ForgettingOptions = {}): PluginMetric[] {
  return make('forgettingMetrics', options, 1);
}

/** Backward transfer (the opposite of forgetting): `ExperienceBWT` and `StreamBWT`. */
export function bwtMetrics(options: ForgettingOptions = {}): PluginMetric[] {
  return make('bwtMetrics', options, -1);
}
