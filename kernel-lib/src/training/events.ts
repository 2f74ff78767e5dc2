/**
 * The one list of strategy events, in the order Avalanche's template fires them, and the plugin
 * type built from it: every hook is an optional method named after its event, in camelCase.
 */

/** Events of the training side, in firing order. */
export const TRAINING_EVENTS = [
  'beforeTraining',
  'beforeTrainDatasetAdaptation',
  'afterTrainDatasetAdaptation',
  'beforeTrainingExp',
  'beforeTrainingEpoch',
  'beforeTrainingIteration',
  'beforeForward',
  'afterForward',
  'beforeBackward',
  'afterBackward',
  'beforeUpdate',
  'afterUpdate',
  'afterTrainingIteration',
  'afterTrainingEpoch',
  'afterTrainingExp',
  'afterTraining',
] as const;

/** Events of the evaluation side, in firing order. */
export const EVAL_EVENTS = [
  'beforeEval',
  'beforeEvalDatasetAdaptation',
  'afterEvalDatasetAdaptation',
  'beforeEvalExp',
  'beforeEvalIteration',
  'beforeEvalForward',
  'afterEvalForward',
  'afterEvalIteration',
  'afterEvalExp',
  'afterEval',
] as const;

/** Every strategy event. */
export const STRATEGY_EVENTS = [...TRAINING_EVENTS, ...EVAL_EVENTS] as const;

/** The name of a strategy event. */
export type StrategyEvent = (typeof STRATEGY_EVENTS)[number];

/**
 * Events fired while tfjs records the gradient tape (`afterForward`, `beforeBackward`): their hooks
 * must be synchronous, so that a loss term a plugin adds to `strategy.loss` is differentiated.
 */
export const SYNC_EVENTS: readonly StrategyEvent[] = ['afterForward', 'beforeBackward'];

/** A hook: called with the strategy; may return a promise (except for the `SYNC_EVENTS`). */
export type StrategyHook<S> = (strategy: S) => void | Promise<void>;

/** The callbacks of a plugin: any subset of the events, as optional methods. */
export type StrategyCallbacks<S> = { [E in StrategyEvent]?: StrategyHook<S> };
