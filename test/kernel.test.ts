/**
 * A kernel that survives its user, tried through the real tslab kernel and a real Jupyter client
 * (jupyter_client): errors after a cell returned, the stop button during training, a forgotten
 * `await`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runKernelSession } from './helpers';

const IMPORTS = 'import { initBackend, SplitFMNIST, SimpleMLP, Naive, SGD, CrossEntropyLoss, EvaluationPlugin, accuracyMetrics } from "avalanche-ts";';

test('kernel: an error thrown by a timer or a rejected promise after the backend started is reported and the kernel lives on', () => {
  const { steps, other } = runKernelSession([
    {
      code: `${IMPORTS}
await initBackend({ verbose: false });
setTimeout(() => { throw new Error("late boom from a timer"); }, 100);
setTimeout(() => { Promise.reject(new Error("late rejection nobody awaited")); }, 200);
"started"`,
    },
    { sleep: 1.5 },
    { code: '1 + 1' },
  ]);
  assert.equal(steps[0].status, 'ok', JSON.stringify(steps[0]));
  assert.equal(steps[1].alive, true, 'the kernel process exited after the late error');
  assert.equal(steps[2].status, 'ok', JSON.stringify(steps[2]));
  assert.equal(steps[2].stdout, '2\n');
  const reported = [steps[0].stderr, steps[2].stderr, other.stderr].join('\n');
  assert.match(reported, /late boom from a timer/);
  assert.match(reported, /late rejection nobody awaited/);
});

test('kernel: the stop button ends training at the next mini-batch with a clear error; the strategy trains again', () => {
  const { steps, other } = runKernelSession([
    {
      code: `${IMPORTS}
const scenario = await SplitFMNIST({ nExperiences: 5, seed: 1 });
const strategy = new Naive(new SimpleMLP({ seed: 1 }), new SGD({ lr: 0.01 }), new CrossEntropyLoss(),
  { trainMbSize: 100, trainEpochs: 100, evaluator: new EvaluationPlugin(accuracyMetrics({ epoch: true })), seed: 1 });
"ready"`,
      timeout: 180,
    },
    { code: 'await strategy.train(scenario.trainStream[0]);', interruptAfter: 4, timeout: 120 },
    { code: 'const n1 = strategy.clock.trainIterations; n1' },
    { sleep: 2 },
    { code: '[strategy.clock.trainIterations - n1, strategy.isTraining, strategy.experience === null, strategy.mbatch === null]' },
    { code: 'strategy.trainEpochs = 1; await strategy.train(scenario.trainStream[1]); strategy.clock.trainIterations - n1', timeout: 120 },
  ]);
  assert.equal(steps[0].status, 'ok', JSON.stringify(steps[0]));
  const cell = steps[1];
  assert.equal(cell.status, 'error', JSON.stringify(cell));
  assert.ok(cell.interruptedAt !== undefined);
  // The loop stops at its next mini-batch, well inside tslab's 1 s grace, so the cell shows our error.
  assert.ok(cell.replyAt! - cell.interruptedAt! < 1, `the cell answered ${cell.replyAt! - cell.interruptedAt!} s after the interrupt`);
  const shown = `${cell.stderr}${(cell.errors ?? []).map((e) => `${e.ename}: ${e.evalue}`).join('\n')}`;
  assert.match(shown, /StrategyInterruptedError: train interrupted by kernel interrupt .*after \d+ training iterations \(experience \d, epoch \d+, mini-batch \d+\); the strategy is ready to train or evaluate again/);
  assert.doesNotMatch(shown, /Interrupted asynchronously/);
  const n1 = Number(steps[2].stdout);
  assert.ok(n1 > 10, `trained ${n1} iterations before the interrupt`);
  assert.equal(steps[3].alive, true);
  assert.equal(steps[4].stdout, '[ 0, false, true, true ]\n', 'iterations went on after the interrupt, or the state was left mid-run');
  assert.equal(steps[5].status, 'ok', JSON.stringify(steps[5]));
  assert.equal(Number(steps[5].stdout), 120, 'one epoch of 12,000 samples at batch 100 after the interrupt');
  assert.doesNotMatch(other.stderr + other.stdout, /Interrupted|StrategyInterrupted/, 'nothing printed in the background after the interrupt');
});

test('kernel: a forgotten await: a second run is refused with a clear message, and the stop button still ends the first', () => {
  const { steps } = runKernelSession([
    {
      code: `${IMPORTS}
const scenario = await SplitFMNIST({ nExperiences: 5, seed: 1 });
const strategy = new Naive(new SimpleMLP({ seed: 1 }), new SGD({ lr: 0.01 }), new CrossEntropyLoss(),
  { trainMbSize: 100, trainEpochs: 100, evaluator: new EvaluationPlugin(accuracyMetrics({ epoch: true })) });
strategy.train(scenario.trainStream[0]);
"started without await"`,
      timeout: 180,
    },
    { code: 'await strategy.eval(scenario.testStream);' },
    { code: 'await new Promise((resolve) => setTimeout(resolve, 30000));', interruptAfter: 1, timeout: 60 },
    { sleep: 1 },
    { code: 'const n = strategy.clock.trainIterations; await new Promise((resolve) => setTimeout(resolve, 1000)); [strategy.clock.trainIterations - n, strategy.isTraining]' },
  ]);
  assert.equal(steps[0].status, 'ok', JSON.stringify(steps[0]));
  assert.equal(steps[1].status, 'error');
  assert.match(steps[1].stderr ?? '', /eval: this strategy is already running train .*`await` each train\/eval call before starting the next one/);
  assert.equal(steps[2].status, 'error');
  assert.equal(steps[3].alive, true);
  assert.equal(steps[4].stdout, '[ 0, false ]\n', 'the background training went on after the interrupt');
});
