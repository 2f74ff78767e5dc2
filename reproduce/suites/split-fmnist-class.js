/**
 * Class-incremental Split Fashion-MNIST on the full data set (60,000 train / 10,000 test, read from
 * Debian's `dataset-fashion-mnist`): the Split MNIST suite's strategies and settings, the same for all.
 */
const mnist = require('./split-mnist-class');

module.exports = {
  ...mnist,
  title: 'Class-incremental Split Fashion-MNIST (full)',
  data: "Fashion-MNIST, full (60,000 train / 10,000 test), from Debian's dataset-fashion-mnist",
  configs: mnist.configs.map((c) => ({ ...c, benchmark: { name: 'SplitFMNIST', nExperiences: 5 } })),
};
