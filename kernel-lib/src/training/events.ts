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

/**
 * The callbacks of a plugin: any subset of the events, as optional methods (declared as methods so
 * that a plugin class can define them as methods).
 */
export interface StrategyCallbacks<S> {
  beforeTraining?(strategy: S): void | Promise<void>;
  beforeTrainDatasetAdaptation?(strategy: S): void | Promise<void>;
  afterTrainDatasetAdaptation?(strategy: S): void | Promise<void>;
  beforeTrainingExp?(strategy: S): void | Promise<void>;
  beforeTrainingEpoch?(strategy: S): void | Promise<void>;
  beforeTrainingIteration?(strategy: S): void | Promise<void>;
  beforeForward?(strategy: S): void | Promise<void>;
  afterForward?(strategy: S): void | Promise<void>;
  beforeBackward?(strategy: S): void | Promise<void>;
  afterBackward?(strategy: S): void | Promise<void>;
  beforeUpdate?(strategy: S): void | Promise<void>;
  afterUpdate?(strategy: S): void | Promise<void>;
  afterTrainingIteration?(strategy: S): void | Promise<void>;
  afterTrainingEpoch?(strategy: S): void | Promise<void>;
  afterTrainingExp?(strategy: S): void | Promise<void>;
  afterTraining?(strategy: S): void | Promise<void>;
  beforeEval?(strategy: S): void | Promise<void>;
  beforeEvalDatasetAdaptation?(strategy: S): void | Promise<void>;
  afterEvalDatasetAdaptation?(strategy: S): void | Promise<void>;
  beforeEvalExp?(strategy: S): void | Promise<void>;
  beforeEvalIteration?(strategy: S): void | Promise<void>;
  beforeEvalForward?(strategy: S): void | Promise<void>;
  afterEvalForward?(strategy: S): void | Promise<void>;
  afterEvalIteration?(strategy: S): void | Promise<void>;
  afterEvalExp?(strategy: S): void | Promise<void>;
  afterEval?(strategy: S): void | Promise<void>;
}

/** Compile-time check that `StrategyCallbacks` has exactly one method per event of the list. */
type SameKeys = [Exclude<StrategyEvent, keyof StrategyCallbacks<unknown>>, Exclude<keyof StrategyCallbacks<unknown>, StrategyEvent>];
export const CALLBACKS_MATCH_EVENTS: SameKeys extends [never, never] ? true : never = true;
