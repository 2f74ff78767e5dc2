/**
 * `BaseStrategy`: Avalanche's training template. It fires the events of `events.ts` in Avalanche's
 * order and keeps its state in public fields that plugins read and replace (`experience`,
 * `adaptedDataset`, `dataloader`, `mbatch`, `mbOutput`, `loss`, ...).
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkBackendErrors, initBackend } from '../backend/backends';
import type { Experience } from '../benchmarks/ncBenchmark';
import { ClassificationDataset } from '../data/dataset';
import { DataLoader, MiniBatchSource } from '../loaders/dataLoader';
import { MiniBatch, disposeMiniBatch } from '../loaders/miniBatch';
import { CLModel, isCLModel } from '../models/model';
import { makeRandom, Random } from '../utils/random';
import { checkInteger, checkKnownOptions } from '../utils/validate';
import { STRATEGY_EVENTS, SYNC_EVENTS, StrategyCallbacks, StrategyEvent } from './events';
import { Criterion } from './losses';
import { Optimizer } from './optimizers';
import { warnMisnamedHooks } from './hookNames';
import { ActiveRun, RunOptions, beginRun, hookError, listenForKernelInterrupt, runContext, throwIfInterrupted } from './runControl';

/** A plugin: a class instance or a plain object with any of the event hooks. */
export type Plugin = StrategyCallbacks<BaseStrategy>;

/** A metric's result: a number, or a matrix (the confusion matrix). */
export type MetricResult = number | number[][];

/** The evaluator: a plugin that also returns the last metric values. */
export interface Evaluator extends Plugin {
  getLastMetrics(): Record<string, MetricResult>;
  /** Frees the evaluator's tensors and closes its loggers' files. */
  dispose?(): void;
}

/** A criterion object or a plain function `(logits, targets) => loss`. */
export type CriterionLike = Criterion | ((logits: tf.Tensor, targets: tf.Tensor) => tf.Scalar);

/** Options of the strategies (Avalanche's names, in camelCase). */
export interface StrategyOptions {
  /** Training mini-batch size (default 1, as Avalanche). */
  trainMbSize?: number;
  /** Epochs per experience (default 1). */
  trainEpochs?: number;
  /** Evaluation mini-batch size (default 1, as Avalanche). */
  evalMbSize?: number;
  /** The evaluation plugin (default: accuracy and loss per epoch, experience and stream, printed by an InteractiveLogger). */
  evaluator?: Evaluator;
  /** User plugins, called in order, before the evaluator. */
  plugins?: Plugin[];
  /** Seed of the data order (default: drawn from the global generator). */
  seed?: number | null;
  /** Force a tensor backend (see `initBackend`). */
  backend?: string;
  /**
   * Periodic evaluation of `train`'s `evalStreams` (Avalanche's `eval_every`): -1 never (default), 0
   * after each experience, k > 0 after every k-th epoch and after the last; when >= 0 also once
   * before training.
   */
  evalEvery?: number;
}

/** Options of `train`: a signal, and the streams evaluated periodically. */
export interface TrainOptions extends RunOptions {
  /** Streams evaluated during training when `evalEvery` >= 0 (default: the experiences being trained on). */
  evalStreams?: (Experience | Experience[])[];
}

/**
 * Counters of the training progress, as Avalanche's `clock`. Like Avalanche's, whose clock is the
 * last plugin, a counter advances after its event's hooks: in `afterTrainingIteration` the
 * iteration just done is not counted yet (so the first mini-batch metric sits at step 0), in
 * `afterTrainingEpoch` the epoch, in `afterTrainingExp` the experience.
 */
export interface StrategyClock {
  /** Training iterations so far, over all experiences. */
  trainIterations: number;
  /** Training experiences finished. */
  trainExpCounter: number;
  /** Epochs finished in the current experience. */
  trainExpEpochs: number;
  /** Iterations in the current epoch. */
  trainEpochIterations: number;
  /** Epochs finished, over all experiences. */
  trainEpochs: number;
  /** Iterations of training and evaluation. */
  totalIterations: number;
}

const STRATEGY_OPTIONS = ['trainMbSize', 'trainEpochs', 'evalMbSize', 'evaluator', 'plugins', 'seed', 'backend', 'evalEvery'];
const YIELD_EVERY_MS = 50;

/** Avalanche's base training template, on tfjs. Subclass it or use `Naive`. */
export class BaseStrategy {
  model: CLModel;
  optimizer: Optimizer;
  /** The loss function. */
  criterionFn: CriterionLike;
  trainMbSize: number;
  trainEpochs: number;
  evalMbSize: number;
  /** User plugins, in call order. */
  plugins: Plugin[];
  evaluator: Evaluator;
  readonly clock: StrategyClock = {
    trainIterations: 0,
    trainExpCounter: 0,
    trainExpEpochs: 0,
    trainEpochIterations: 0,
    trainEpochs: 0,
    totalIterations: 0,
  };

  // ---- state that plugins read and replace ----
  /** The experience being trained on or evaluated. */
  experience: Experience | null = null;
  /** The data set of the current experience after dataset adaptation. */
  adaptedDataset: ClassificationDataset | null = null;
  /** Where the mini-batches of the current experience come from. Plugins may replace it in `beforeTrainingExp`. */
  dataloader: MiniBatchSource | null = null;
  /** The current mini-batch `[x, y, t]` (valid until the end of the iteration). */
  mbatch: MiniBatch | null = null;
  /** The model's output on the mini-batch (valid until the end of the iteration). */
  mbOutput: tf.Tensor | null = null;
  /**
   * The loss of the mini-batch (valid until the end of the iteration). Set by the criterion before
   * `beforeBackward`, where plugins add their terms (`strategy.loss = tf.add(strategy.loss, term)`,
   * Avalanche's `strategy.loss += term`); the gradients and the loss metrics use the sum, as in
   * Avalanche. It is null in `afterForward`.
   */
  loss: tf.Scalar | null = null;
  /**
   * The gradients of the last backward pass, by variable name (valid until the end of the iteration).
   * A plugin may replace the map or its entries in `afterBackward` / `beforeUpdate` (projection,
   * clipping): the optimizer applies what is here; the replaced tensors are freed with the iteration.
   */
  grads: tf.NamedTensorMap | null = null;
  /** True while training, false while evaluating. */
  isTraining = false;
  /** The stream being evaluated (during `eval`). */
  currentEvalStream: Experience[] | null = null;
  /** Index of the current epoch in the experience. */
  epoch = 0;
  /** Index of the current iteration in the epoch. */
  mbIt = 0;
  /**
   * Set to true by a plugin to stop training on the current experience (Avalanche's
   * `stop_training()`): the epoch ends after the current iteration, or before it starts when set in
   * `beforeTrainingEpoch`, and no further epoch of this experience runs.
   */
  stopTraining = false;
  /** Evaluate `evalStreams` during training: -1 never (default), 0 after each experience, k after every k epochs (and once before training when >= 0). */
  evalEvery: number;
  /** Index of the last experience trained on (null before any training). */
  lastTrainedExperience: number | null = null;

  private readonly random: Random;
  private readonly backend?: string;
  /** The gradients the backward pass computed (freed with the iteration even when a plugin replaced them). */
  private computedGrads: tf.Tensor[] = [];
  /** Names of the variables that got a gradient in some iteration so far, and those already warned about. */
  private readonly gradientSeen = new Set<string>();
  private readonly gradientWarned = new Set<string>();
  /** The streams `train` evaluates periodically (its `evalStreams`). */
  private periodicEvalStreams: Experience[][] = [];
  /** The train or eval call in progress (one at a time). */
  private activeRun: ActiveRun | null = null;
  private readonly iterationCache = new Map<string, tf.Tensor>();
  private lastYield = Date.now();

  constructor(model: CLModel, optimizer: Optimizer, criterion: CriterionLike, options: StrategyOptions & { evaluator: Evaluator }) {
    checkKnownOptions('strategy', options, STRATEGY_OPTIONS);
    if (!isCLModel(model)) throw new Error('model must be a CLModel (with forward, train, eval and trainableVariables), e.g. new SimpleMLP()');
    if (!optimizer || typeof optimizer.step !== 'function') throw new Error('optimizer must be an Optimizer, e.g. new SGD({ lr: 0.001 })');
    if (typeof criterion !== 'function' && typeof (criterion as Criterion)?.forward !== 'function') {
      throw new Error('criterion must be a Criterion (e.g. new CrossEntropyLoss()) or a function (logits, targets) => loss');
    }
    this.model = model;
    this.optimizer = optimizer;
    this.criterionFn = criterion;
    this.trainMbSize = checkInteger('trainMbSize', options.trainMbSize ?? 1, 1);
    this.trainEpochs = checkInteger('trainEpochs', options.trainEpochs ?? 1, 1);
    this.evalMbSize = checkInteger('evalMbSize', options.evalMbSize ?? 1, 1);
    this.evalEvery = checkInteger('evalEvery', options.evalEvery ?? -1, -1);
    this.plugins = [...(options.plugins ?? [])];
    this.plugins.forEach((p, i) => {
      if (p == null || typeof p !== 'object') throw new Error(`plugins[${i}] must be an object with event hooks, got ${p}`);
    });
    this.evaluator = options.evaluator;
    this.random = makeRandom(options.seed);
    this.backend = options.backend;
  }

  // ---- Avalanche's mini-batch accessors ----
  /** Inputs of the current mini-batch. */
  get mbX(): tf.Tensor {
    return this.mbatch![0];
  }
  /** Targets of the current mini-batch. */
  get mbY(): tf.Tensor {
    return this.mbatch![1];
  }
  /** Task labels of the current mini-batch. */
  get mbTaskId(): tf.Tensor {
    return this.mbatch![2];
  }

  /**
   * Trains on one experience or a list of them and returns the last metric values.
   * Optimizer state is reset at the start of each experience, as Avalanche does.
   * One run at a time: calling `train` or `eval` while this strategy runs is an error (await the
   * first call). `options.signal`, or the kernel's interrupt, stops the run at the next mini-batch.
   */
  async train(experiences: Experience | Experience[], options: TrainOptions = {}): Promise<Record<string, MetricResult>> {
    const list = this.checkExperiences('train', experiences);
    const { evalStreams, ...runOptions } = options ?? {};
    const streams = (evalStreams ?? [list]).map((s, i) => this.checkExperiences(`train: evalStreams[${i}]`, s as Experience | Experience[]));
    return this.exclusive('train', runOptions, async () => {
      this.isTraining = true;
      this.model.train();
      this.stopTraining = false;
      this.periodicEvalStreams = streams;
      try {
        await this.trigger('beforeTraining');
        if (this.evalEvery >= 0) await this.periodicEval();
        for (const experience of list) {
          this.checkInterrupt(() => `before experience ${experience.currentExperience}`);
          await this.trainExp(experience);
        }
        await this.trigger('afterTraining');
      } finally {
        // Also after an error or an interruption: the strategy is ready to train or evaluate again.
        this.experience = null;
        this.isTraining = false;
        this.stopTraining = false;
      }
      return this.evaluator.getLastMetrics();
    });
  }

  /** Evaluates on every experience of a stream (or one experience) and returns the last metric values. */
  async eval(stream: Experience | Experience[], options: RunOptions = {}): Promise<Record<string, MetricResult>> {
    const list = this.checkExperiences('eval', stream);
    return this.exclusive('eval', options, async () => {
      // eval may run inside this strategy's own train (a plugin's periodic evaluation): keep its state.
      const saved = {
        isTraining: this.isTraining, experience: this.experience, adaptedDataset: this.adaptedDataset, dataloader: this.dataloader,
        mbatch: this.mbatch, mbOutput: this.mbOutput, loss: this.loss, grads: this.grads, epoch: this.epoch, mbIt: this.mbIt,
      };
      this.mbatch = null;
      this.mbOutput = null;
      this.loss = null;
      this.grads = null;
      this.isTraining = false;
      this.model.eval();
      this.currentEvalStream = list;
      try {
        await this.trigger('beforeEval');
        for (const experience of list) {
          this.checkInterrupt(() => `before experience ${experience.currentExperience}`);
          this.experience = experience;
          await this.trigger('beforeEvalDatasetAdaptation');
          this.evalDatasetAdaptation();
          await this.trigger('afterEvalDatasetAdaptation');
          this.dataloader = this.makeEvalDataloader();
          this.modelAdaptation();
          await this.trigger('beforeEvalExp');
          await this.evalEpoch();
          await this.trigger('afterEvalExp');
        }
        await this.trigger('afterEval');
      } finally {
        this.currentEvalStream = null;
        Object.assign(this, saved);
        if (saved.isTraining) this.model.train();
      }
      return this.evaluator.getLastMetrics();
    });
  }

  /** The experiences of a `train` / `eval` call, with a clear error for anything else. */
  private checkExperiences(call: string, experiences: Experience | Experience[]): Experience[] {
    const list = Array.isArray(experiences) ? experiences : [experiences];
    if (list.length === 0) throw new Error(`${call}: ${call === 'train' ? 'experiences' : 'stream'} must not be empty`);
    list.forEach((e, i) => {
      if (e && e.dataset instanceof ClassificationDataset) return;
      const where = Array.isArray(experiences) ? `${call === 'train' ? 'experiences' : 'stream'}[${i}]` : call === 'train' ? 'experiences' : 'stream';
      const got = e instanceof ClassificationDataset ? 'a ClassificationDataset (a data set, not an experience)' : describeValue(e);
      throw new Error(
        `${call}: ${where} must be an experience of a benchmark stream (e.g. scenario.${call === 'train' ? 'trainStream[0]' : 'testStream'}), got ${got}; ` +
          'to use a data set of your own, make a benchmark of it with ncBenchmark',
      );
    });
    return list;
  }

  /**
   * Runs `body` as this strategy's only run: a second concurrent call is an error, a call nested in
   * this strategy's own run (a hook calling eval) shares its signal.
   */
  private async exclusive<T>(kind: 'train' | 'eval', options: RunOptions, body: () => Promise<T>): Promise<T> {
    checkKnownOptions(kind, options ?? {}, kind === 'train' ? ['signal', 'evalStreams'] : ['signal']);
    const outer = this.activeRun;
    if (outer && runContext.getStore() !== this) {
      throw new Error(
        `${kind}: this strategy is already running ${outer.kind} (started by an earlier call that was not awaited, or still running after an interrupt); ` +
          `\`await\` each train/eval call before starting the next one`,
      );
    }
    if (outer && kind === 'train') throw new Error('train: cannot train from inside this strategy\'s own train or eval (a plugin hook called train)');
    if (outer) return body(); // nested eval: the outer run's signal and guard
    // Plugins may be added to `plugins` after construction: checked at each run, warned once.
    warnMisnamedHooks(this.plugins, (i) => pluginName(this.plugins[i], `plugins[${i}]`));
    // Claimed before the first await, so that a call made right after this one sees it.
    const run = beginRun(kind, options?.signal);
    this.activeRun = run;
    try {
      return await runContext.run(this, async () => {
        await initBackend({ backend: this.backend });
        listenForKernelInterrupt(); // after an await: see its comment
        return body();
      });
    } finally {
      run.end();
      this.activeRun = null;
    }
  }

  /** Throws `StrategyInterruptedError` when the run was interrupted. */
  private checkInterrupt(where: () => string): void {
    if (this.activeRun) throwIfInterrupted(this.activeRun, where);
  }

  /** Trains on one experience: dataset adaptation, data loader, optimizer reset, epochs. */
  protected async trainExp(experience: Experience): Promise<void> {
    this.experience = experience;
    this.model.train();
    await this.trigger('beforeTrainDatasetAdaptation');
    this.trainDatasetAdaptation();
    await this.trigger('afterTrainDatasetAdaptation');
    this.dataloader = this.makeTrainDataloader();
    this.modelAdaptation();
    this.makeOptimizer();
    await this.trigger('beforeTrainingExp');
    this.clock.trainExpEpochs = 0;
    let evaluatedLast = false;
    for (this.epoch = 0; this.epoch < this.trainEpochs; this.epoch++) {
      await this.trigger('beforeTrainingEpoch');
      if (this.stopTraining) break; // e.g. early stopping, before this epoch
      await this.trainingEpoch();
      await this.trigger('afterTrainingEpoch');
      this.clock.trainExpEpochs += 1;
      this.clock.trainEpochs += 1;
      evaluatedLast = this.evalEvery > 0 && (this.epoch + 1) % this.evalEvery === 0;
      if (evaluatedLast) await this.periodicEval();
      if (this.stopTraining) break;
    }
    this.stopTraining = false;
    if (this.evalEvery >= 0 && !evaluatedLast) await this.periodicEval();
    this.lastTrainedExperience = experience.currentExperience;
    this.warnUntrainedVariables();
    await this.trigger('afterTrainingExp');
    this.clock.trainExpCounter += 1;
  }

  /** Sets `adaptedDataset` from the experience (override to add augmentation or replay data). */
  protected trainDatasetAdaptation(): void {
    this.adaptedDataset = this.experience!.dataset.train();
  }

  /** Sets `adaptedDataset` for evaluation. */
  protected evalDatasetAdaptation(): void {
    this.adaptedDataset = this.experience!.dataset.eval();
  }

  /**
   * Frees the tensors the strategy holds (the optimizer state, its plugins' state through their
   * `dispose()`, and the evaluator's running sums) and closes the files its evaluator's loggers opened. The model is the caller's: dispose it with
   * `model.dispose()`. An error while the strategy runs (await the run, or interrupt it, first).
   */
  dispose(): void {
    if (this.activeRun) throw new Error(`dispose: this strategy is still running ${this.activeRun.kind}; await it (or interrupt it) first`);
    for (const plugin of this.plugins) (plugin as { dispose?: () => void }).dispose?.();
    this.optimizer.dispose();
    this.evaluator.dispose?.();
  }

  /**
   * A tensor computed once per iteration and shared (e.g. the hits of the predictions, which every
   * accuracy-like metric needs); it is freed at the end of the iteration.
   */
  iterationTensor(key: string, compute: () => tf.Tensor): tf.Tensor {
    let t = this.iterationCache.get(key);
    if (!t) {
      t = tf.keep(tf.tidy(compute));
      this.iterationCache.set(key, t);
    }
    return t;
  }

  /** A seed drawn from the strategy's generator, for plugins that shuffle (keeps runs repeatable). */
  makeSeed(): number {
    return this.random.nextSeed();
  }

  /** The training data loader: shuffled mini-batches of `trainMbSize`. */
  makeTrainDataloader(): MiniBatchSource {
    return new DataLoader(this.adaptedDataset!, { batchSize: this.trainMbSize, shuffle: true, seed: this.makeSeed() });
  }

  /** The evaluation data loader: mini-batches of `evalMbSize` in data set order. */
  makeEvalDataloader(): MiniBatchSource {
    return new DataLoader(this.adaptedDataset!, { batchSize: this.evalMbSize, shuffle: false });
  }

  /**
   * Adapts a dynamic model to the experience's data (a head for a new task, outputs for new classes)
   * before it is trained on or evaluated, as Avalanche's `model_adaptation`.
   */
  modelAdaptation(): void {
    this.model.adaptation?.(this.experience!.dataset);
  }

  /** Resets the optimizer state at the start of each experience, as Avalanche. */
  makeOptimizer(): void {
    this.optimizer.reset();
  }

  /** The model's output on the current mini-batch; multi-head models get each sample's task label (Avalanche's `avalanche_forward`). */
  forward(): tf.Tensor {
    return this.model.forward(this.mbX, this.mbatch!.taskLabelsHost ?? this.mbTaskId);
  }

  /** The criterion applied to the current output and targets. */
  criterion(): tf.Scalar {
    const fn = this.criterionFn;
    return typeof fn === 'function' ? fn(this.mbOutput!, this.mbY) : fn.forward(this.mbOutput!, this.mbY);
  }

  /** Evaluates `evalStreams` inside training (`evalEvery`), restoring the training state afterwards. */
  protected async periodicEval(): Promise<void> {
    for (const stream of this.periodicEvalStreams) await this.eval(stream);
  }

  /**
   * Lets the event loop run now and then and stops here if the run was interrupted: for plugins with
   * long loops of their own (an importance pass over the data).
   */
  async keepAlive(): Promise<void> {
    this.checkInterrupt(() => `in a plugin's pass over the data (experience ${this.experience?.currentExperience})`);
    await this.maybeYield();
  }

  /** One epoch over `dataloader`. */
  protected async trainingEpoch(): Promise<void> {
    this.clock.trainEpochIterations = 0;
    this.mbIt = 0;
    const variables = this.model.trainableVariables;
    for (const batch of this.dataloader!) {
      this.mbatch = batch;
      try {
        this.checkInterrupt(() => `after ${this.clock.trainIterations} training iterations (experience ${this.experience?.currentExperience}, epoch ${this.epoch}, mini-batch ${this.mbIt})`);
        await this.trigger('beforeTrainingIteration');
        await this.trigger('beforeForward');
        const { value, grads } = tf.variableGrads(() => {
          this.mbOutput = tf.keep(this.forward());
          this.checkTargets();
          this.triggerSync('afterForward');
          this.loss = this.criterion();
          this.triggerSync('beforeBackward');
          return this.loss;
        }, variables);
        this.loss = value;
        this.grads = grads;
        this.computedGrads = Object.values(grads);
        await this.trigger('afterBackward');
        await this.trigger('beforeUpdate');
        // The gradients plugins left in strategy.grads (projected, clipped or replaced) are the ones applied.
        const applied = this.grads;
        if (!applied || typeof applied !== 'object') throw new Error(`strategy.grads must be a map of variable name to gradient tensor, got ${applied}`);
        for (const name in applied) this.gradientSeen.add(name);
        this.optimizer.step(variables, applied);
        await this.trigger('afterUpdate');
        await this.trigger('afterTrainingIteration');
        this.clock.trainIterations += 1;
        this.clock.trainEpochIterations += 1;
        this.clock.totalIterations += 1;
      } finally {
        this.endIteration();
      }
      this.mbIt += 1;
      checkBackendErrors(); // a GPU error or device loss becomes an error here, not zeros or a hang
      await this.maybeYield();
      if (this.stopTraining) break;
    }
  }

  /** One pass over the evaluation `dataloader`. */
  protected async evalEpoch(): Promise<void> {
    this.mbIt = 0;
    for (const batch of this.dataloader!) {
      this.mbatch = batch;
      try {
        this.checkInterrupt(() => `at mini-batch ${this.mbIt} of experience ${this.experience?.currentExperience}`);
        await this.trigger('beforeEvalIteration');
        await this.trigger('beforeEvalForward');
        this.mbOutput = tf.tidy(() => this.forward());
        this.checkTargets();
        await this.trigger('afterEvalForward');
        this.loss = tf.tidy(() => this.criterion());
        await this.trigger('afterEvalIteration');
        this.clock.totalIterations += 1;
      } finally {
        this.endIteration();
      }
      this.mbIt += 1;
      checkBackendErrors();
      await this.maybeYield();
    }
  }

  /** Fires an event: user plugins in order, then the evaluator. A user plugin's error names its hook and the plugin. */
  async trigger(event: StrategyEvent): Promise<void> {
    const plugins = this.plugins;
    for (let i = 0; i < plugins.length; i++) {
      const hook = plugins[i][event];
      if (!hook) continue;
      try {
        await hook.call(plugins[i], this);
      } catch (error) {
        throw hookError(error, event, pluginName(plugins[i], `plugins[${i}]`));
      }
    }
    // The evaluator's errors pass unwrapped: they come from the library's metrics and loggers, or
    // from the device (a lost GPU surfaces at the metrics' read), and already say what failed.
    const hook = this.evaluator[event];
    if (hook) await hook.call(this.evaluator, this);
  }

  /** Fires an event whose hooks run inside the gradient tape and must be synchronous. */
  private triggerSync(event: StrategyEvent): void {
    const all = [...this.plugins, this.evaluator];
    for (let i = 0; i < all.length; i++) {
      const plugin = all[i];
      const hook = plugin[event];
      if (!hook) continue;
      const isUserPlugin = i < this.plugins.length;
      const where = pluginName(plugin, isUserPlugin ? `plugins[${i}]` : 'the evaluator');
      let result: unknown;
      try {
        result = hook.call(plugin, this);
      } catch (error) {
        throw isUserPlugin ? hookError(error, event, where) : error;
      }
      if (result && typeof (result as Promise<void>).then === 'function') {
        throw new Error(`the ${event} hook of ${where} returned a Promise: hooks of ${SYNC_EVENTS.join(', ')} run inside the gradient tape and must be synchronous`);
      }
    }
  }

  /**
   * After the first training experience, warns once per variable that no iteration gave a gradient:
   * it never trains (it is not used by `forward`, or a plugin dropped its gradient). Only the first
   * experience is checked: later, a multi-head model legitimately holds heads of other tasks
   * (created when a stream with new tasks was evaluated) that get no gradient until their own.
   */
  private warnUntrainedVariables(): void {
    if (this.clock.trainExpCounter !== 0) return;
    for (const v of this.model.trainableVariables) {
      if (this.gradientSeen.has(v.name) || this.gradientWarned.has(v.name)) continue;
      this.gradientWarned.add(v.name);
      console.warn(
        `avalanche-ts: trainable variable '${v.name}' got no gradient in any training iteration so far, so it never trains: ` +
          'is it used by the model\'s forward? (to freeze it, leave it out of trainableVariables)',
      );
    }
  }

  /** Checks (on the host copy) that the targets fit the model's outputs. */
  private checkTargets(): void {
    const targets = this.mbatch?.targetsHost;
    const out = this.mbOutput;
    if (!targets || !out || out.rank !== 2) return;
    const numOutputs = out.shape[1] as number;
    for (let i = 0; i < targets.length; i++) {
      if (targets[i] < 0 || targets[i] >= numOutputs) {
        throw new Error(`target class ${targets[i]} is outside the model's ${numOutputs} outputs (allowed: 0..${numOutputs - 1}); check numClasses`);
      }
    }
  }

  /** Frees the tensors of the finished iteration. */
  private endIteration(): void {
    for (const t of this.iterationCache.values()) t.dispose();
    this.iterationCache.clear();
    disposeMiniBatch(this.mbatch);
    // Both the computed gradients and any a plugin put in their place (disposing twice is harmless).
    if (this.grads) tf.dispose(this.grads);
    tf.dispose(this.computedGrads);
    this.computedGrads = [];
    tf.dispose([this.mbOutput, this.loss].filter((t): t is tf.Tensor => t != null));
    this.mbatch = null;
    this.mbOutput = null;
    this.loss = null;
    this.grads = null;
  }

  /** Lets the event loop run now and then, so that a notebook stays responsive. */
  private async maybeYield(): Promise<void> {
    const now = Date.now();
    if (now - this.lastYield >= YIELD_EVERY_MS) {
      this.lastYield = now;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

/** How a plugin is named in errors: its class name (unless a plain object) and its position. */
function pluginName(plugin: object, position: string): string {
  const name = plugin.constructor?.name;
  return name && name !== 'Object' ? `${name} (${position})` : position;
}

/** A short description of a value for error messages. */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an Array of length ${value.length}`;
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'object'}`;
  return `${typeof value} ${String(value)}`;
}

/** The event names, exported for plugin authors. */
export { STRATEGY_EVENTS };
