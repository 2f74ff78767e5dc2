/**
 * The experiment every reproduction suite runs (`npm run reproduce`, through `sweep()`): a benchmark,
 * a model, an optimizer and a strategy made from a plain configuration (JSON, so that it reaches
 * worker processes and the results file), trained on each experience in turn and evaluated on the
 * whole test stream after each, as Avalanche's continual-learning-baselines do (JointTraining: once,
 * on the whole stream).
 *
 * config:
 *   benchmark: { name: 'SplitMNIST' | 'SplitFMNIST' | 'PermutedMNIST' | 'RotatedMNIST', nExperiences,
 *                returnTaskId?, fixedClassOrder?, source?, trainPerExperience? (a seeded subset of each
 *                training experience, as the baselines' data-incremental GSS setup) }
 *   model:     { name: 'SimpleMLP' | 'MTSimpleMLP', hiddenSize, hiddenLayers, dropRate }
 *   optimizer: { name: 'SGD' | 'Adam', lr, momentum? }
 *   strategy:  { name: a strategy class of the library, ...its options (memSize, ewcLambda, ...) }
 *   trainMbSize, trainEpochs, evalMbSize
 *   lossScale?: 'inverse-experiences' (the criterion's loss times 1 / experiences seen, before the
 *              strategy's own terms: the baselines' LwF setup, after van de Ven et al.)
 *
 * Returns: `acc` (ACC, the mean over experiences of the accuracy on each after training on the last
 * one), `forgetting` (StreamForgetting: mean over experiences of the best accuracy minus the final
 * one; absent for JointTraining), `streamAcc` (accuracy on the whole test stream, task 0's for
 * class- and domain-incremental benchmarks), the accuracy matrix and the backend that ran it.
 */
const path = require('path');
const lib = require('avalanche-ts');
// The library's own tfjs-core (one engine per process).
const tf = require(require.resolve('@tensorflow/tfjs-core', { paths: [path.dirname(require.resolve('avalanche-ts'))] }));

const BENCHMARKS = { SplitMNIST: lib.SplitMNIST, SplitFMNIST: lib.SplitFMNIST, PermutedMNIST: lib.PermutedMNIST, RotatedMNIST: lib.RotatedMNIST };
const MODELS = { SimpleMLP: lib.SimpleMLP, MTSimpleMLP: lib.MTSimpleMLP };
const OPTIMIZERS = { SGD: lib.SGD, Adam: lib.Adam };
const STRATEGIES = [
  'Naive', 'Cumulative', 'JointTraining', 'Replay', 'GDumb', 'GEM', 'AGEM', 'DER', 'ER_ACE', 'ICaRL', 'CWRStar', 'GSS_greedy',
  'EWC', 'SynapticIntelligence', 'LwF', 'LFL', 'MAS',
];

function pick(table, spec, what) {
  const make = spec && table[spec.name];
  if (!make) throw new Error(`config.${what}.name must be one of ${Object.keys(table).join(', ')}, got ${JSON.stringify(spec && spec.name)}`);
  const { name, ...options } = spec;
  return { make, options };
}

/** The benchmark of a configuration; `trainPerExperience` keeps a seeded subset of each training experience. */
async function makeBenchmark(spec, seed) {
  const { make, options } = pick(BENCHMARKS, spec, 'benchmark');
  const { trainPerExperience, ...rest } = options;
  const benchmark = await make({ ...rest, seed });
  if (trainPerExperience === undefined) return benchmark;
  const random = lib.makeRandom(seed);
  const trainStream = benchmark.trainStream.map((e) => {
    const order = random.permutation(e.dataset.length).slice(0, trainPerExperience).sort();
    return { ...e, dataset: e.dataset.subset(order) };
  });
  return { ...benchmark, trainStream };
}

/** Scales the criterion's loss by 1 / experiences seen, before the strategy's own plugin adds its terms. */
function inverseExperiencesLoss() {
  return {
    beforeBackward(strategy) {
      strategy.loss = tf.mul(strategy.loss, 1 / (strategy.clock.trainExpCounter + 1));
    },
  };
}

exports.STRATEGIES = STRATEGIES;

/** Loads the data sets into the library's caches, so that no run waits for them (a pool's setup). */
exports.setup = async function setup() {
  await lib.SplitMNIST({ nExperiences: 5, seed: 0, source: 'bundled' });
};

exports.run = async function run(config, seed) {
  const benchmark = await makeBenchmark(config.benchmark, seed);
  const { make: Model, options: modelOptions } = pick(MODELS, config.model, 'model');
  const model = new Model({ ...modelOptions, seed });
  const { make: Optimizer, options: optimizerOptions } = pick(OPTIMIZERS, config.optimizer, 'optimizer');
  const { name, ...strategyOptions } = config.strategy ?? {};
  if (!STRATEGIES.includes(name)) throw new Error(`config.strategy.name must be one of ${STRATEGIES.join(', ')}, got ${JSON.stringify(name)}`);
  const evaluator = new lib.EvaluationPlugin(
    lib.accuracyMetrics({ experience: true, stream: true }),
    lib.forgettingMetrics({ experience: true, stream: true }),
    { loggers: [] },
  );
  if (config.lossScale !== undefined && config.lossScale !== 'inverse-experiences') throw new Error(`config.lossScale must be 'inverse-experiences', got ${JSON.stringify(config.lossScale)}`);
  const plugins = config.lossScale ? [inverseExperiencesLoss()] : [];
  const options = { trainMbSize: config.trainMbSize, trainEpochs: config.trainEpochs, evalMbSize: config.evalMbSize, evaluator, seed, plugins, ...strategyOptions };
  const optimizer = new Optimizer(optimizerOptions);
  const strategy = name === 'ICaRL' ? new lib.ICaRL(model, optimizer, options) : new lib[name](model, optimizer, new lib.CrossEntropyLoss(), options);
  if (name === 'JointTraining') {
    await strategy.train(benchmark.trainStream);
    await strategy.eval(benchmark.testStream);
  } else {
    for (const experience of benchmark.trainStream) {
      await strategy.train(experience);
      await strategy.eval(benchmark.testStream);
    }
  }
  const matrix = evaluator.accuracyMatrix.get('test');
  const last = matrix.values[matrix.values.length - 1];
  const metrics = evaluator.getLastMetrics();
  const streamAcc = metrics['Top1_Acc_Stream/eval_phase/test_stream/Task000'];
  const forgetting = metrics['StreamForgetting/eval_phase/test_stream'];
  strategy.dispose();
  model.dispose();
  return {
    acc: last.reduce((a, b) => a + b, 0) / last.length,
    // JointTraining trains once: there is nothing it could have forgotten.
    ...(typeof forgetting === 'number' && name !== 'JointTraining' ? { forgetting } : {}),
    ...(typeof streamAcc === 'number' ? { streamAcc } : {}),
    accuracyMatrix: matrix.values,
    backend: `${lib.currentBackend().name} (${lib.currentBackend().details})`,
  };
};
