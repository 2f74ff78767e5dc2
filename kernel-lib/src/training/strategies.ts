/**
 * Ready-made strategies. Each is Avalanche's wrapper of its plugin: the training template plus that
 * plugin, appended to the user's plugins (`EWC` = template + `EWCPlugin`), so the plugins also stack
 * on any strategy (`new Replay(..., { plugins: [new EWCPlugin({ ewcLambda })] })`). Options are the
 * strategy's (`trainMbSize`, ...) and the plugin's (`ewcLambda`, ...) in one object.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Experience } from '../benchmarks/ncBenchmark';
import { ClassificationDataset } from '../data/dataset';
import { defaultEvaluator } from '../evaluation/evaluationPlugin';
import { CLModel } from '../models/model';
import { deriveSeed } from '../utils/random';
import { Optimizer } from './optimizers';
import { AGEMPlugin, AGEMPluginOptions } from './plugins/agem';
import { CWRStarPlugin, CWRStarPluginOptions } from './plugins/cwrStar';
import { DERPlugin, DERPluginOptions } from './plugins/der';
import { ICaRLPlugin, ICaRLPluginOptions, icarlBCE } from './plugins/icarl';
import { GSSGreedyPlugin, GSSGreedyPluginOptions } from './plugins/gssGreedy';
import { ERACEPlugin, ERACEPluginOptions } from './plugins/erAce';
import { EWCPlugin, EWCPluginOptions } from './plugins/ewc';
import { GDumbPlugin, GDumbPluginOptions } from './plugins/gdumb';
import { GEMPlugin, GEMPluginOptions } from './plugins/gem';
import { LFLPlugin, LFLPluginOptions } from './plugins/lfl';
import { LwFPlugin, LwFPluginOptions } from './plugins/lwf';
import { MASPlugin, MASPluginOptions } from './plugins/mas';
import { ReplayPlugin } from './plugins/replay';
import { SynapticIntelligenceOptions, SynapticIntelligencePlugin } from './plugins/synapticIntelligence';
import { BaseStrategy, CriterionLike, MetricResult, Plugin, StrategyOptions, TrainOptions } from './template';

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
 * A strategy that is the training template plus one plugin, as Avalanche's wrappers: the options
 * named in `keys` make the plugin (`make` also gets the strategy's `seed`, to derive the plugin's),
 * the others are the strategy's; the plugin goes after the user's plugins.
 */
export abstract class PluginStrategy<P extends Plugin, O> extends BaseStrategy {
  /** The strategy's own plugin. */
  readonly plugin: P;

  protected constructor(
    model: CLModel,
    optimizer: Optimizer,
    criterion: CriterionLike,
    options: object,
    keys: readonly string[],
    make: (pluginOptions: O, seed: number | null | undefined) => P,
  ) {
    const [pluginOptions, rest] = splitOptions<O>(options, keys);
    const plugin = make(pluginOptions, rest.seed);
    super(model, optimizer, criterion, withPlugin(rest, plugin));
    this.plugin = plugin;
  }
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
export class Replay extends PluginStrategy<ReplayPlugin, ReplayOptions> {
  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: ReplayOptions = {}) {
    super(model, optimizer, criterion, options, ['memSize'], (o, seed) => new ReplayPlugin({ memSize: o.memSize ?? 200, seed: deriveSeed(seed, REPLAY_BUFFER_SALT) }));
  }

  /** The strategy's `ReplayPlugin` (the same object as `plugin`), where its state lives. */
  get replayPlugin(): ReplayPlugin {
    return this.plugin;
  }
}

/** `EWC` options: the strategy's plus `EWCPlugin`'s. */
export type EWCOptions = StrategyOptions & EWCPluginOptions;

/** Elastic Weight Consolidation, as Avalanche's `EWC`: `new EWC(model, opt, crit, { ewcLambda: 1000, mode: 'separate' })`. */
export class EWC extends PluginStrategy<EWCPlugin, EWCPluginOptions> {
  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: EWCOptions) {
    super(model, optimizer, criterion, options, ['ewcLambda', 'mode', 'decayFactor', 'keepImportanceData'], (o) => new EWCPlugin(o));
  }

  /** The strategy's `EWCPlugin` (the same object as `plugin`), where its state lives. */
  get ewcPlugin(): EWCPlugin {
    return this.plugin;
  }
}

/** `SynapticIntelligence` options: the strategy's plus the plugin's. */
export type SynapticIntelligenceStrategyOptions = StrategyOptions & SynapticIntelligenceOptions;

/** Synaptic Intelligence, as Avalanche's `SynapticIntelligence`: `new SynapticIntelligence(model, opt, crit, { siLambda: 1 })`. */
export class SynapticIntelligence extends PluginStrategy<SynapticIntelligencePlugin, SynapticIntelligenceOptions> {
  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: SynapticIntelligenceStrategyOptions) {
    super(model, optimizer, criterion, options, ['siLambda', 'eps'], (o) => new SynapticIntelligencePlugin(o));
  }

  /** The strategy's `SynapticIntelligencePlugin` (the same object as `plugin`), where its state lives. */
  get siPlugin(): SynapticIntelligencePlugin {
    return this.plugin;
  }
}

/** `LwF` options: the strategy's plus `LwFPlugin`'s. */
export type LwFOptions = StrategyOptions & LwFPluginOptions;

/** Learning without Forgetting, as Avalanche's `LwF`: `new LwF(model, opt, crit, { alpha: 1, temperature: 2 })`. */
export class LwF extends PluginStrategy<LwFPlugin, LwFPluginOptions> {
  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: LwFOptions = {}) {
    super(model, optimizer, criterion, options, ['alpha', 'temperature'], (o) => new LwFPlugin(o));
  }

  /** The strategy's `LwFPlugin` (the same object as `plugin`), where its state lives. */
  get lwfPlugin(): LwFPlugin {
    return this.plugin;
  }
}

/** `LFL` options: the strategy's plus `LFLPlugin`'s. */
export type LFLOptions = StrategyOptions & LFLPluginOptions;

/** Less-Forgetful Learning, as Avalanche's `LFL`: `new LFL(model, opt, crit, { lambdaE: 1 })`. */
export class LFL extends PluginStrategy<LFLPlugin, LFLPluginOptions> {
  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: LFLOptions) {
    super(model, optimizer, criterion, options, ['lambdaE'], (o) => new LFLPlugin(o));
  }

  /** The strategy's `LFLPlugin` (the same object as `plugin`), where its state lives. */
  get lflPlugin(): LFLPlugin {
    return this.plugin;
  }
}

/** `MAS` options: the strategy's plus `MASPlugin`'s. */
export type MASOptions = StrategyOptions & MASPluginOptions;

/** Memory Aware Synapses, as current Avalanche's `MAS`: `new MAS(model, opt, crit, { lambdaReg: 1, alpha: 0.5 })`. */
export class MAS extends PluginStrategy<MASPlugin, MASPluginOptions> {
  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: MASOptions = {}) {
    super(model, optimizer, criterion, options, ['lambdaReg', 'alpha'], (o) => new MASPlugin(o));
  }

  /** The strategy's `MASPlugin` (the same object as `plugin`), where its state lives. */
  get masPlugin(): MASPlugin {
    return this.plugin;
  }
}

/** `GDumb` options: the strategy's plus `GDumbPlugin`'s. */
export type GDumbOptions = StrategyOptions & GDumbPluginOptions;

/** GDumb, as Avalanche's `GDumb`: `new GDumb(model, opt, crit, { memSize: 500 })`. */
export class GDumb extends PluginStrategy<GDumbPlugin, GDumbPluginOptions> {
  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: GDumbOptions = {}) {
    super(model, optimizer, criterion, options, ['memSize'], (o, seed) => new GDumbPlugin({ ...o, seed: deriveSeed(seed, GDUMB_SALT) }));
  }

  /** The strategy's `GDumbPlugin` (the same object as `plugin`), where its state lives. */
  get gdumbPlugin(): GDumbPlugin {
    return this.plugin;
  }
}

/** `AGEM` options: the strategy's plus `AGEMPlugin`'s. */
export type AGEMOptions = StrategyOptions & Omit<AGEMPluginOptions, 'seed'>;

/** Averaged GEM, as Avalanche's `AGEM`: `new AGEM(model, opt, crit, { patternsPerExp: 250, sampleSize: 256 })`. */
export class AGEM extends PluginStrategy<AGEMPlugin, AGEMPluginOptions> {
  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: AGEMOptions) {
    super(model, optimizer, criterion, options, ['patternsPerExp', 'sampleSize'], (o, seed) => new AGEMPlugin({ ...o, seed: deriveSeed(seed, AGEM_SALT) }));
  }

  /** The strategy's `AGEMPlugin` (the same object as `plugin`), where its state lives. */
  get agemPlugin(): AGEMPlugin {
    return this.plugin;
  }
}

/** `GEM` options: the strategy's plus `GEMPlugin`'s. */
export type GEMOptions = StrategyOptions & Omit<GEMPluginOptions, 'seed'>;

/** Gradient Episodic Memory, as Avalanche's `GEM`: `new GEM(model, opt, crit, { patternsPerExp: 256, memoryStrength: 0.5 })`. */
export class GEM extends PluginStrategy<GEMPlugin, GEMPluginOptions> {
  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: GEMOptions) {
    super(model, optimizer, criterion, options, ['patternsPerExp', 'memoryStrength'], (o, seed) => new GEMPlugin({ ...o, seed: deriveSeed(seed, GEM_SALT) }));
  }

  /** The strategy's `GEMPlugin` (the same object as `plugin`), where its state lives. */
  get gemPlugin(): GEMPlugin {
    return this.plugin;
  }
}

/** `ER_ACE` options: the strategy's plus `ERACEPlugin`'s. */
export type ERACEOptions = StrategyOptions & Omit<ERACEPluginOptions, 'seed'>;

/** ER-ACE, as current Avalanche's `ER_ACE`: `new ER_ACE(model, opt, crit, { memSize: 500, batchSizeMem: 10 })`. */
// eslint-disable-next-line @typescript-eslint/naming-convention
export class ER_ACE extends PluginStrategy<ERACEPlugin, ERACEPluginOptions> {
  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: ERACEOptions = {}) {
    super(model, optimizer, criterion, options, ['memSize', 'batchSizeMem'], (o, seed) => new ERACEPlugin({ ...o, seed: deriveSeed(seed, ERACE_SALT) }));
  }

  /** The strategy's `ERACEPlugin` (the same object as `plugin`), where its state lives. */
  get erAcePlugin(): ERACEPlugin {
    return this.plugin;
  }
}

/** `GSS_greedy` options: the strategy's plus `GSSGreedyPlugin`'s. */
export type GSSGreedyOptions = StrategyOptions & Omit<GSSGreedyPluginOptions, 'seed'>;

/**
 * GSS-greedy, as Avalanche's `GSS_greedy`: `new GSS_greedy(model, opt, crit, { memSize: 200, memStrength: 1 })`
 * (Avalanche's strategy defaults; `input_size` comes from the data). Costly by design: a gradient per
 * incoming sample whenever it is scored.
 */
// eslint-disable-next-line @typescript-eslint/naming-convention
export class GSS_greedy extends PluginStrategy<GSSGreedyPlugin, GSSGreedyPluginOptions> {
  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: GSSGreedyOptions = {}) {
    super(model, optimizer, criterion, options, ['memSize', 'memStrength'], (o, seed) => new GSSGreedyPlugin({ memStrength: 1, ...o, seed: deriveSeed(seed, GSS_SALT) }));
  }

  /** The strategy's `GSSGreedyPlugin` (the same object as `plugin`), where its memory lives. */
  get gssPlugin(): GSSGreedyPlugin {
    return this.plugin;
  }
}

/**
 * Cumulative training, as Avalanche's `Cumulative`: each experience trains on its data and every
 * earlier experience's (an upper bound for rehearsal methods).
 */
export class Cumulative extends BaseStrategy {
  /** Everything trained on so far (one flat data set). */
  seenData: ClassificationDataset | null = null;

  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: StrategyOptions = {}) {
    super(model, optimizer, criterion, { ...options, evaluator: options.evaluator ?? defaultEvaluator() });
  }

  protected override trainDatasetAdaptation(): void {
    const current = this.experience!.dataset.train();
    this.seenData = this.seenData ? ClassificationDataset.concat([this.seenData, current]) : current;
    this.adaptedDataset = this.seenData;
  }
}

/**
 * Joint training, as Avalanche's `JointTraining`: one `train` call on the whole stream, trained as
 * one experience holding every experience's data (the upper bound of a continual learner). A second
 * `train` is an error, as in Avalanche.
 */
export class JointTraining extends BaseStrategy {
  private trained = false;

  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: StrategyOptions = {}) {
    super(model, optimizer, criterion, { ...options, evaluator: options.evaluator ?? defaultEvaluator() });
  }

  override async train(experiences: Experience | Experience[], options: TrainOptions = {}): Promise<Record<string, MetricResult>> {
    if (this.trained) throw new Error('JointTraining can be trained only once (on the whole stream); make a new strategy to train again');
    const list = Array.isArray(experiences) ? experiences : [experiences];
    if (list.length === 0 || !list.every((e) => e?.dataset instanceof ClassificationDataset)) {
      return super.train(experiences, options); // the template's checks give the error
    }
    const last = list[list.length - 1];
    const classes = [...new Set(list.flatMap((e) => e.classesInThisExperience))].sort((a, b) => a - b);
    const joint: Experience = {
      ...last,
      dataset: ClassificationDataset.concat(list.map((e) => e.dataset)),
      classesInThisExperience: classes,
      previousClasses: [],
      classesSeenSoFar: classes,
      taskLabels: [...new Set(list.flatMap((e) => e.taskLabels))].sort((a, b) => a - b),
    };
    const result = await super.train(joint, { ...options, evalStreams: options.evalStreams ?? [list] });
    this.trained = true;
    return result;
  }
}

/** `DER` options: the strategy's plus `DERPlugin`'s. */
export type DEROptions = StrategyOptions & Omit<DERPluginOptions, 'seed'>;

/** Dark Experience Replay (DER++), as current Avalanche's `DER`: `new DER(model, opt, crit, { memSize: 500, alpha: 0.1, beta: 0.5 })`. */
export class DER extends PluginStrategy<DERPlugin, DERPluginOptions> {
  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: DEROptions = {}) {
    super(model, optimizer, criterion, options, ['memSize', 'batchSizeMem', 'alpha', 'beta'], (o, seed) => new DERPlugin({ ...o, seed: deriveSeed(seed, DER_SALT) }));
  }

  /** The strategy's `DERPlugin` (the same object as `plugin`), where its state lives. */
  get derPlugin(): DERPlugin {
    return this.plugin;
  }
}

/** `CWRStar` options: the strategy's plus `CWRStarPlugin`'s. */
export type CWRStarOptions = StrategyOptions & CWRStarPluginOptions;

/** CWR*, as Avalanche's `CWRStar`: `new CWRStar(model, opt, crit, { cwrLayerName: 'classifier' })`. */
export class CWRStar extends PluginStrategy<CWRStarPlugin, CWRStarPluginOptions> {
  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: CWRStarOptions = {}) {
    super(model, optimizer, criterion, options, ['cwrLayerName', 'freezeRemainingModel'], (o) => new CWRStarPlugin(o));
  }

  /** The strategy's `CWRStarPlugin` (the same object as `plugin`), where its state lives. */
  get cwrPlugin(): CWRStarPlugin {
    return this.plugin;
  }
}

/** `ICaRL` options: the strategy's plus `ICaRLPlugin`'s. */
export type ICaRLOptions = StrategyOptions & ICaRLPluginOptions;

/**
 * iCaRL, as Avalanche's `ICaRL`: herding exemplars replayed with the data, a distillation loss of
 * sigmoid outputs, and evaluation by the nearest mean of exemplars. Avalanche takes a feature
 * extractor and a classifier; here one model with `getFeatures` (its features) and `forward` (its
 * classifier on them), e.g. `SimpleMLP`: `new ICaRL(model, opt, { memorySize: 500 })`. Its loss is
 * iCaRL's own, so there is no criterion argument.
 */
export class ICaRL extends BaseStrategy {
  readonly icarlPlugin: ICaRLPlugin;

  constructor(model: CLModel, optimizer: Optimizer, options: ICaRLOptions = {}) {
    const [pluginOptions, rest] = splitOptions<ICaRLPluginOptions>(options, ['memorySize', 'fixedMemory']);
    const plugin = new ICaRLPlugin(pluginOptions);
    // The criterion is what the evaluator's loss reports; the plugin's BCE is what trains.
    super(model, optimizer, (logits, targets) => icarlBCE(logits, tf.cast(tf.oneHot(targets as tf.Tensor1D, logits.shape[1] as number), 'float32')), withPlugin(rest, plugin));
    this.icarlPlugin = plugin;
  }

  /** Training: the model's outputs; evaluation, once class means exist: the nearest-mean-of-exemplars scores. */
  override forward(): tf.Tensor {
    const out = super.forward();
    if (this.isTraining || this.icarlPlugin.classMeans.size === 0) return out;
    const scores = this.icarlPlugin.nearestMeanScores(this.model, this.mbX, out.shape[1] as number);
    out.dispose();
    return scores;
  }
}

const DER_SALT = 0xde2;
const GDUMB_SALT = 0x6d0b;
const AGEM_SALT = 0xa6e1;
const GEM_SALT = 0x6e1a;
const ERACE_SALT = 0xe3ac;
const GSS_SALT = 0x6551;
