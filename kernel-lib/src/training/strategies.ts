/**
 * Ready-made strategies. Each is Avalanche's wrapper of its plugin: the training template plus that
 * plugin, appended to the user's plugins (`EWC` = template + `EWCPlugin`), so the plugins also stack
 * on any strategy (`new Replay(..., { plugins: [new EWCPlugin({ ewcLambda })] })`). Options are the
 * strategy's (`trainMbSize`, ...) and the plugin's (`ewcLambda`, ...) in one object.
 */
import * as tf from '@tensorflow/tfjs';
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

/** `GDumb` options: the strategy's plus `GDumbPlugin`'s. */
export type GDumbOptions = StrategyOptions & GDumbPluginOptions;

/** GDumb, as Avalanche's `GDumb`: `new GDumb(model, opt, crit, { memSize: 500 })`. */
export class GDumb extends BaseStrategy {
  readonly gdumbPlugin: GDumbPlugin;

  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: GDumbOptions = {}) {
    const [pluginOptions, rest] = splitOptions<GDumbPluginOptions>(options, ['memSize']);
    const plugin = new GDumbPlugin({ ...pluginOptions, seed: deriveSeed(rest.seed, GDUMB_SALT) });
    super(model, optimizer, criterion, withPlugin(rest, plugin));
    this.gdumbPlugin = plugin;
  }
}

/** `AGEM` options: the strategy's plus `AGEMPlugin`'s. */
export type AGEMOptions = StrategyOptions & Omit<AGEMPluginOptions, 'seed'>;

/** Averaged GEM, as Avalanche's `AGEM`: `new AGEM(model, opt, crit, { patternsPerExp: 250, sampleSize: 256 })`. */
export class AGEM extends BaseStrategy {
  readonly agemPlugin: AGEMPlugin;

  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: AGEMOptions) {
    const [pluginOptions, rest] = splitOptions<AGEMPluginOptions>(options, ['patternsPerExp', 'sampleSize']);
    const plugin = new AGEMPlugin({ ...pluginOptions, seed: deriveSeed(rest.seed, AGEM_SALT) });
    super(model, optimizer, criterion, withPlugin(rest, plugin));
    this.agemPlugin = plugin;
  }
}

/** `GEM` options: the strategy's plus `GEMPlugin`'s. */
export type GEMOptions = StrategyOptions & Omit<GEMPluginOptions, 'seed'>;

/** Gradient Episodic Memory, as Avalanche's `GEM`: `new GEM(model, opt, crit, { patternsPerExp: 256, memoryStrength: 0.5 })`. */
export class GEM extends BaseStrategy {
  readonly gemPlugin: GEMPlugin;

  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: GEMOptions) {
    const [pluginOptions, rest] = splitOptions<GEMPluginOptions>(options, ['patternsPerExp', 'memoryStrength']);
    const plugin = new GEMPlugin({ ...pluginOptions, seed: deriveSeed(rest.seed, GEM_SALT) });
    super(model, optimizer, criterion, withPlugin(rest, plugin));
    this.gemPlugin = plugin;
  }
}

/** `ER_ACE` options: the strategy's plus `ERACEPlugin`'s. */
export type ERACEOptions = StrategyOptions & Omit<ERACEPluginOptions, 'seed'>;

/** ER-ACE, as current Avalanche's `ER_ACE`: `new ER_ACE(model, opt, crit, { memSize: 500, batchSizeMem: 10 })`. */
// eslint-disable-next-line @typescript-eslint/naming-convention
export class ER_ACE extends BaseStrategy {
  readonly erAcePlugin: ERACEPlugin;

  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: ERACEOptions = {}) {
    const [pluginOptions, rest] = splitOptions<ERACEPluginOptions>(options, ['memSize', 'batchSizeMem']);
    const plugin = new ERACEPlugin({ ...pluginOptions, seed: deriveSeed(rest.seed, ERACE_SALT) });
    super(model, optimizer, criterion, withPlugin(rest, plugin));
    this.erAcePlugin = plugin;
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
    const current = this.experience!.dataset;
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
export class DER extends BaseStrategy {
  readonly derPlugin: DERPlugin;

  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: DEROptions = {}) {
    const [pluginOptions, rest] = splitOptions<DERPluginOptions>(options, ['memSize', 'batchSizeMem', 'alpha', 'beta']);
    const plugin = new DERPlugin({ ...pluginOptions, seed: deriveSeed(rest.seed, DER_SALT) });
    super(model, optimizer, criterion, withPlugin(rest, plugin));
    this.derPlugin = plugin;
  }
}

/** `CWRStar` options: the strategy's plus `CWRStarPlugin`'s. */
export type CWRStarOptions = StrategyOptions & CWRStarPluginOptions;

/** CWR*, as Avalanche's `CWRStar`: `new CWRStar(model, opt, crit, { cwrLayerName: 'classifier' })`. */
export class CWRStar extends BaseStrategy {
  readonly cwrPlugin: CWRStarPlugin;

  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: CWRStarOptions = {}) {
    const [pluginOptions, rest] = splitOptions<CWRStarPluginOptions>(options, ['cwrLayerName', 'freezeRemainingModel']);
    const plugin = new CWRStarPlugin(pluginOptions);
    super(model, optimizer, criterion, withPlugin(rest, plugin));
    this.cwrPlugin = plugin;
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
    super(model, optimizer, (logits, targets) => icarlBCE(logits, tf.oneHot(targets as tf.Tensor1D, logits.shape[1] as number).toFloat()), withPlugin(rest, plugin));
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
