/** Metric values and Avalanche's metric naming scheme. */
import type { BaseStrategy } from '../training/template';

/** One emitted value of a metric, as Avalanche's `MetricValue`. */
export interface MetricValue {
  /** Full name, e.g. `Top1_Acc_Exp/eval_phase/test_stream/Task000/Exp002`. */
  name: string;
  /** The value. */
  value: number;
  /** Step on the x axis: training iterations so far (Avalanche's `x_plot`). */
  xPlot: number;
}

/**
 * Avalanche's metric name: `{metric}/{phase}_phase/{stream}_stream[/Task{task:03}][/Exp{exp:03}]`.
 * @param base the metric's own name, e.g. `Top1_Acc_Epoch`
 * @param task the task label to add, or null for none
 * @param addExperience add `/Exp{n}` of the current experience
 */
export function metricName(base: string, strategy: BaseStrategy, task: number | null, addExperience: boolean): string {
  const phase = strategy.isTraining ? 'train' : 'eval';
  const stream = strategy.experience ? strategy.experience.originStream.name : 'unknown';
  let name = `${base}/${phase}_phase/${stream}_stream`;
  if (task !== null) name += `/Task${pad3(task)}`;
  if (addExperience && strategy.experience) name += `/Exp${pad3(strategy.experience.currentExperience)}`;
  return name;
}

function pad3(n: number): string {
  return String(n).padStart(3, '0');
}
