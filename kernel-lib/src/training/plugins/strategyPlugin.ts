/** Base class for user plugins, as Avalanche's `StrategyPlugin`. */
import type { BaseStrategy } from '../template';
import type { StrategyCallbacks } from '../events';

/**
 * Extend it and define any hooks (`beforeTrainingExp(strategy)`, ...), or pass a plain object with
 * those methods: both work as plugins.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface StrategyPlugin extends StrategyCallbacks<BaseStrategy> {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class StrategyPlugin {}

/** Avalanche's newer name of `StrategyPlugin`. */
export const SupervisedPlugin = StrategyPlugin;
