/**
 * The experiment notebook 07 sweeps (and the bench times): the tutorial's class-incremental SplitMNIST
 * with Naive or Replay (500 samples of memory), trained on each experience and evaluated on the test
 * stream after each. Sweep workers load it by path: `{ module: path.resolve('experiments/naive-vs-replay.js'), export: 'run' }`.
 *
 * config: { strategy: 'Naive' | 'Replay', epochs?: number }; returns the evaluator's metric histories.
 * `setup` is what a started pool's workers run once as they start (`startSweepPool({ setup })`).
 */
const { SplitMNIST, SimpleMLP, Naive, Replay, SGD, CrossEntropyLoss, EvaluationPlugin, accuracyMetrics } = require('avalanche-ts');

/** Loads the data set into the library's cache, so that no run waits for it. */
exports.setup = async function setup() {
  await SplitMNIST({ nExperiences: 5, seed: 0 });
};

exports.run = async function run(config, seed) {
  const benchmark = await SplitMNIST({ nExperiences: 5, seed });
  const model = new SimpleMLP({ numClasses: 10, seed });
  const evaluator = new EvaluationPlugin(accuracyMetrics({ experience: true, stream: true }));
  const options = { trainMbSize: 128, trainEpochs: config.epochs ?? 1, evalMbSize: 1000, seed, evaluator };
  const optimizer = new SGD({ lr: 0.01, momentum: 0.9 });
  let strategy;
  if (config.strategy === 'Naive') strategy = new Naive(model, optimizer, new CrossEntropyLoss(), options);
  else if (config.strategy === 'Replay') strategy = new Replay(model, optimizer, new CrossEntropyLoss(), { ...options, memSize: 500 });
  else throw new Error(`config.strategy must be 'Naive' or 'Replay', got ${JSON.stringify(config.strategy)}`);
  for (const experience of benchmark.trainStream) {
    await strategy.train(experience);
    await strategy.eval(benchmark.testStream);
  }
  strategy.dispose();
  model.dispose();
  return evaluator.getAllMetrics();
};
