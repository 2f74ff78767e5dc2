/** Metric values, Avalanche's metric naming scheme, and values still waiting on the device. */
import type * as tf from '@tensorflow/tfjs-core';
import type { BaseStrategy, MetricResult } from '../training/template';

export type { MetricResult };

/** One emitted value of a metric, as Avalanche's `MetricValue`. */
export interface MetricValue {
  /** Full name, e.g. `Top1_Acc_Exp/eval_phase/test_stream/Task000/Exp002`. */
  name: string;
  /** The value. */
  value: MetricResult;
  /** Step on the x axis: training iterations so far (Avalanche's `x_plot`). */
  xPlot: number;
  /** Extra facts for loggers and plots (e.g. a matrix's class names). */
  meta?: MetricMeta;
}

/** Extra facts about a value, for loggers and plots. */
export interface MetricMeta {
  /** Names of the classes along a matrix's rows and columns. */
  classNames?: string[];
  /** Whether the metric asked for an image (Avalanche's `save_image`). */
  saveImage?: boolean;
}

/**
 * A value as a metric emits it: ready (`value`), or still on the device (`tensor`, turned into the
 * value by `finish` once read). The evaluation plugin reads every pending tensor of an event in one
 * transfer, so a batch costs at most one device read however many metrics it has.
 */
export interface MetricEmission {
  name: string;
  xPlot: number;
  value?: MetricResult;
  tensor?: tf.Tensor;
  /** The value from the read data; null drops it (the read only updated the metric's state). */
  finish?: (data: Float32Array) => MetricResult | null;
  meta?: MetricMeta;
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

/** The task label of the current experience (0 when it has several), as Avalanche's `phase_and_task`. */
export function experienceTask(strategy: BaseStrategy): number {
  const labels = strategy.experience?.taskLabels ?? [0];
  return labels.length === 1 ? labels[0] : 0;
}

function pad3(n: number): string {
  return String(n).padStart(3, '0');
}
