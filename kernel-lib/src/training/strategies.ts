/**
 * Ready-made strategies. Each is Avalanche's wrapper of its plugin: the training template plus that
 * plugin, appended to the user's plugins (`EWC` = template + `EWCPlugin`), so the plugins also stack
 * on any strategy (`new Replay(..., { plugins: [new EWCPlugin({ ewcLambda })] })`). Options are the
 * strategy's (`trainMbSize`, ...) and the plugin's (`ewcLambda`, ...) in one object.
 */
import { defaultEvaluator } from '../evaluation/evaluationPlugin';
import { CLModel } from '../models/model';
import { deriveSeed } from '../utils/random';
import { Optimizer } from './optimizers';
import { EWCPlugin, EWCPluginOptions } from './plugins/ewc';
import { LFLPlugin, LFLPluginOptions } from './plugins/lfl';
import { LwFPlugin, LwFPluginOptions } from './plugins/lwf';
import { MASPlugin, MASPluginOptions } from './plugins/mas';
import { ReplayPlugin } from './plugins/replay';
import { SynapticIntelligenceOptions, SynapticIntelligencePlugin } from './plugins/synapticIntelligence';
import { BaseStrategy, CriterionLike, Plugin, StrategyOptions } from './template';

/** Splits a wrapper's options into its plugin's (`keys`) and the strategy's. */
function splitOptions<P>(options: object, keys: readonly string[]): [P, StrategyOptions] {
  const plugin: Record<string, unknown> = {};
  const strategy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options ?? {})) (keys.includes(k) ? plugin : strategy)[k] = v;
  return [plugin as P, strategy as StrategyOptions];
}

/** The strategy options with `plugin` appended to the user's plugins and the default evaluator. */
function withPlugin(options: StrategyOptions, plugin: Plugin): StrategyOptions & { evaluator: NonNullable<StrategyOptions['evaluator']> } {
  return { ...options, plugins: [...(options.plugins ?? []), plugin], evaluator: options.evaluator ?? defaultEvaluator() };
}

/**
 * Naive fine-tuning, as Avalanche's `Naive`: trains on each experience in turn with no measure
 * against forgetting; the baseline every continual-learning strategy is compared with.
 * `new Naive(model, new SGD({ lr: 0.001, momentum: 0.9 }), new CrossEntropyLoss(), { trainMbSize: 500 })`.
 */
export class Naive extends BaseStrategy {
  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: StrategyOptions = {}) {
    super(model, optimizer, criterion, { ...options, evaluator: options.evaluator ?? defaultEvaluator() });
  }
}

/** Salt of the seed `Replay` derives for its buffer from its own. */
const REPLAY_BUFFER_SALT = 0x5eed;

/** Options of `Replay`: the strategy options plus the memory size. */
export interface ReplayOptions extends StrategyOptions {
  /** Memory size (default 200). */
  memSize?: number;
}

/**
 * Experience replay, as Avalanche's `Replay`: the template plus a `ReplayPlugin` of `memSize`. Its
 * `seed` option also seeds the plugin's buffer.
 */
export class Replay extends BaseStrategy {
  readonly replayPlugin: ReplayPlugin;

  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: ReplayOptions = {}) {
    const [{ memSize }, rest] = splitOptions<ReplayOptions>(options, ['memSize']);
    const plugin = new ReplayPlugin({ memSize: memSize ?? 200, seed: deriveSeed(rest.seed, REPLAY_BUFFER_SALT) });
    super(model, optimizer, criterion, withPlugin(rest, plugin));
    this.replayPlugin = plugin;
  }
}

/** `EWC` options: the strategy's plus `EWCPlugin`'s. */
export type EWCOptions = StrategyOptions & EWCPluginOptions;

/** Elastic Weight Consolidation, as Avalanche's `EWC`: `new EWC(model, opt, crit, { ewcLambda: 1000, mode: 'separate' })`. */
export class EWC extends BaseStrategy {
  readonly ewcPlugin: EWCPlugin;

  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: EWCOptions) {
    const [pluginOptions, rest] = splitOptions<EWCPluginOptions>(options, ['ewcLambda', 'mode', 'decayFactor', 'keepImportanceData']);
    const plugin = new EWCPlugin(pluginOptions);
    super(model, optimizer, criterion, withPlugin(rest, plugin));
    this.ewcPlugin = plugin;
  }

}

/** `SynapticIntelligence` options: the strategy's plus the plugin's. */
export type SynapticIntelligenceStrategyOptions = StrategyOptions & SynapticIntelligenceOptions;

/** Synaptic Intelligence, as Avalanche's `SynapticIntelligence`: `new SynapticIntelligence(model, opt, crit, { siLambda: 1 })`. */
export class SynapticIntelligence extends BaseStrategy {
  readonly siPlugin: SynapticIntelligencePlugin;

  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: SynapticIntelligenceStrategyOptions) {
    const [pluginOptions, rest] = splitOptions<SynapticIntelligenceOptions>(options, ['siLambda', 'eps']);
    const plugin = new SynapticIntelligencePlugin(pluginOptions);
    super(model, optimizer, criterion, withPlugin(rest, plugin));
    this.siPlugin = plugin;
  }

}

/** `LwF` options: the strategy's plus `LwFPlugin`'s. */
export type LwFOptions = StrategyOptions & LwFPluginOptions;

/** Learning without Forgetting, as Avalanche's `LwF`: `new LwF(model, opt, crit, { alpha: 1, temperature: 2 })`. */
export class LwF extends BaseStrategy {
  readonly lwfPlugin: LwFPlugin;

  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: LwFOptions = {}) {
    const [pluginOptions, rest] = splitOptions<LwFPluginOptions>(options, ['alpha', 'temperature']);
    const plugin = new LwFPlugin(pluginOptions);
    super(model, optimizer, criterion, withPlugin(rest, plugin));
    this.lwfPlugin = plugin;
  }

}

/** `LFL` options: the strategy's plus `LFLPlugin`'s. */
export type LFLOptions = StrategyOptions & LFLPluginOptions;

/** Less-Forgetful Learning, as Avalanche's `LFL`: `new LFL(model, opt, crit, { lambdaE: 1 })`. */
export class LFL extends BaseStrategy {
  readonly lflPlugin: LFLPlugin;

  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: LFLOptions) {
    const [pluginOptions, rest] = splitOptions<LFLPluginOptions>(options, ['lambdaE']);
    const plugin = new LFLPlugin(pluginOptions);
    super(model, optimizer, criterion, withPlugin(rest, plugin));
    this.lflPlugin = plugin;
  }

}

/** `MAS` options: the strategy's plus `MASPlugin`'s. */
export type MASOptions = StrategyOptions & MASPluginOptions;

/** Memory Aware Synapses, as current Avalanche's `MAS`: `new MAS(model, opt, crit, { lambdaReg: 1, alpha: 0.5 })`. */
export class MAS extends BaseStrategy {
  readonly masPlugin: MASPlugin;

  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: MASOptions = {}) {
    const [pluginOptions, rest] = splitOptions<MASPluginOptions>(options, ['lambdaReg', 'alpha']);
    const plugin = new MASPlugin(pluginOptions);
    super(model, optimizer, criterion, withPlugin(rest, plugin));
    this.masPlugin = plugin;
  }

}
