/**
 * The strategy settings the "every strategy" suites share: one memory budget for every method that
 * keeps samples, the hyper-parameters used in the README's measurements (notebooks 05 and 06), and
 * the few per-strategy departures each suite's table names (A-GEM on plain SGD, see the README).
 */

/** Strategies that need no memory and add no term: the lower bound and the two upper bounds. */
const BOUNDS = [
  { name: 'Naive' },
  { name: 'Cumulative' },
  { name: 'JointTraining' },
];

/** Rehearsal and projection methods, all with `memory` samples in total. */
function rehearsal(memory, { classIncremental = true, experiences = 5 } = {}) {
  const perExperience = Math.floor(memory / experiences);
  return [
    { name: 'Replay', memSize: memory },
    { name: 'GDumb', memSize: memory },
    { name: 'GEM', patternsPerExp: perExperience, memoryStrength: 0.5 },
    // A-GEM projects the gradient; momentum's running sum is never checked against the memory.
    { name: 'AGEM', patternsPerExp: perExperience, sampleSize: 256, optimizer: { name: 'SGD', lr: 0.01 } },
    { name: 'DER', memSize: memory, batchSizeMem: 64, alpha: 0.1, beta: 0.5 },
    { name: 'ER_ACE', memSize: memory, batchSizeMem: 64 },
    ...(classIncremental ? [{ name: 'ICaRL', memorySize: memory }] : []),
    { name: 'GSS_greedy', memSize: memory, memStrength: 2 },
  ];
}

/** Regularisation methods (no memory of samples). */
const REGULARIZATION = [
  { name: 'EWC', ewcLambda: 1000, mode: 'separate' },
  { name: 'SynapticIntelligence', siLambda: 10, eps: 0.1 },
  { name: 'MAS', lambdaReg: 1, alpha: 0.5 },
  { name: 'LwF', alpha: [0, 0.5, 1.33333, 2.25, 3.2], temperature: 2 },
  { name: 'LFL', lambdaE: 1 },
];

/**
 * Configurations of one suite: `common` (benchmark, model, optimizer, batch sizes, epochs) with each
 * strategy; a strategy's own `optimizer` replaces the common one.
 */
function withStrategies(common, strategies) {
  return strategies.map(({ optimizer, ...strategy }) => ({ ...common, ...(optimizer ? { optimizer } : {}), strategy }));
}

module.exports = { BOUNDS, REGULARIZATION, rehearsal, withStrategies };
