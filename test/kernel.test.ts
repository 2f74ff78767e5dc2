/**
 * A kernel that survives its user, tried through the real tslab kernel and a real Jupyter client
 * (jupyter_client): errors after a cell returned, the stop button during training, a forgotten
 * `await`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { registerKernel, runKernelSession, tempDir } from './helpers';

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
  assert.equal(cell.errors?.length, 1, JSON.stringify(cell));
  const shown = `${cell.errors![0].ename}: ${cell.errors![0].evalue}`;
  assert.match(shown, /^StrategyInterruptedError: train interrupted by kernel interrupt .*after \d+ training iterations \(experience \d, epoch \d+, mini-batch \d+\); the strategy is ready to train or evaluate again$/);
  assert.doesNotMatch(`${shown}${cell.stderr}`, /Interrupted asynchronously/);
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
  assert.match(steps[1].errors?.[0]?.evalue ?? '', /eval: this strategy is already running train .*`await` each train\/eval call before starting the next one/);
  assert.equal(steps[2].status, 'error');
  assert.equal(steps[3].alive, true);
  assert.equal(steps[4].stdout, '[ 0, false ]\n', 'the background training went on after the interrupt');
});

test('kernel: cells are numbered (execute_input) and a failing cell sends an error message with ename, evalue and traceback; the next cell runs', () => {
  const { steps } = runKernelSession([
    { code: 'const a = 40; a' },
    { code: 'class MyError extends Error {}\nthrow new MyError("bad value in my cell")' },
    { code: 'let y: number = "text";' },
    { code: 'a + 2' },
  ]);
  assert.deepEqual(steps.map((s) => s.executionCount), [1, 2, 3, 4]);
  assert.deepEqual(steps.map((s) => s.status), ['ok', 'error', 'error', 'ok']);
  assert.equal(steps[1].errors?.length, 1);
  assert.equal(steps[1].errors![0].ename, 'MyError');
  assert.equal(steps[1].errors![0].evalue, 'bad value in my cell');
  assert.match(steps[1].errors![0].traceback[0], /bad value in my cell/);
  assert.equal(steps[1].stderr, '', 'the error is an error message, not stderr text');
  assert.equal(steps[2].errors![0].ename, 'CompileError');
  assert.match(steps[2].errors![0].evalue, /Type 'string' is not assignable to type 'number'/);
  assert.equal(steps[3].stdout, '42\n');
});

test('nbclient (nbconvert --allow-errors) stores a failing cell as an error output and numbers every cell', () => {
  const dir = tempDir('clnb-errors-');
  const nb = path.join(dir, 'errors.ipynb');
  const cell = (source: string) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source });
  fs.writeFileSync(nb, JSON.stringify({ cells: [cell('1 + 1'), cell('throw new RangeError("out of range here")'), cell('"still alive"')], metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } }, nbformat: 4, nbformat_minor: 5 }));
  const r = spawnSync('jupyter', ['nbconvert', '--to', 'notebook', '--execute', '--allow-errors', '--ExecutePreprocessor.kernel_name=tslab', '--output', nb, nb], {
    encoding: 'utf8', env: { ...process.env, JUPYTER_DATA_DIR: registerKernel() },
  });
  assert.equal(r.status, 0, r.stderr);
  const cells = JSON.parse(fs.readFileSync(nb, 'utf8')).cells;
  assert.deepEqual(cells.map((c: { execution_count: number }) => c.execution_count), [1, 2, 3], JSON.stringify(cells.map((c: { outputs: unknown }) => c.outputs)).slice(0, 1500));
  const error = cells[1].outputs.find((o: { output_type: string }) => o.output_type === 'error');
  assert.ok(error, JSON.stringify(cells[1].outputs));
  assert.equal(error.ename, 'RangeError');
  assert.equal(error.evalue, 'out of range here');
  assert.ok(cells[2].outputs.some((o: { text?: string | string[] }) => [o.text ?? ''].flat().join('').includes('still alive')), JSON.stringify(cells[2].outputs));
});

test('kernel: the stop button stops a sweep on worker processes: the cell shows SweepInterruptedError, the workers are gone, the next cell runs', () => {
  const experiment = path.join(__dirname, 'sweepExperiment.js');
  const { steps } = runKernelSession([
    {
      code: `import { sweep } from "avalanche-ts";
await sweep({ grid: { lr: [0.01], sleepMs: [60000] }, seeds: [1, 2], run: { module: ${JSON.stringify(experiment)}, export: "run" }, workers: 2, progress: false });`,
      interruptAfter: 6,
      timeout: 60,
    },
    { sleep: 2 },
    { code: 'const { execSync } = require("child_process"); execSync("ps -eo args").toString().split("\\n").filter((l) => l.includes("tinypool")).length' },
  ]);
  assert.equal(steps[0].status, 'error', JSON.stringify(steps[0]));
  assert.equal(steps[0].errors?.[0]?.ename, 'SweepInterruptedError', JSON.stringify(steps[0].errors));
  assert.match(steps[0].errors?.[0]?.evalue ?? '', /^sweep interrupted \(kernel interrupt \(the stop button, or SIGINT\)\) with 0 of 2 runs done/);
  assert.equal(steps[1].alive, true);
  assert.equal(steps[2].stdout, '0\n', 'no worker process left');
});

test('avalanche-ts kernel install --sys-prefix: the active environment, else the prefix of the Python on the first line of `jupyter`; no Python is run', () => {
  const bin = path.join(__dirname, '..', 'kernel-lib', 'bin', 'avalanche-ts.js');
  const root = path.join(__dirname, '..');
  const install = (env: Record<string, string | undefined>) => spawnSync(process.execPath, [bin, 'kernel', 'install', '--sys-prefix', '--name', 'envts'], { cwd: root, encoding: 'utf8', env: { ...process.env, VIRTUAL_ENV: undefined, CONDA_PREFIX: undefined, ...env } });
  const venv = tempDir('clnb-venv-');
  const active = install({ VIRTUAL_ENV: venv });
  assert.equal(active.status, 0, active.stderr);
  assert.ok(fs.existsSync(path.join(venv, 'share', 'jupyter', 'kernels', 'envts', 'kernel.json')));
  // No active environment: a `jupyter` command whose first line names its Python, as pip writes it.
  const prefix = tempDir('clnb-prefix-');
  fs.mkdirSync(path.join(prefix, 'bin'));
  fs.writeFileSync(path.join(prefix, 'bin', 'jupyter'), `#!${prefix}/bin/python3.11\nimport sys\n`, { mode: 0o755 });
  const shebang = install({ PATH: `${path.join(prefix, 'bin')}${path.delimiter}${process.env.PATH}` });
  assert.equal(shebang.status, 0, shebang.stderr);
  assert.ok(fs.existsSync(path.join(prefix, 'share', 'jupyter', 'kernels', 'envts', 'kernel.json')));
  // A pyenv-style shim names no Python: an error saying what to give instead.
  fs.writeFileSync(path.join(prefix, 'bin', 'jupyter'), '#!/usr/bin/env bash\nexec pyenv exec jupyter "$@"\n', { mode: 0o755 });
  const shim = install({ PATH: `${path.join(prefix, 'bin')}${path.delimiter}${process.env.PATH}` });
  assert.equal(shim.status, 1);
  assert.match(shim.stderr, /--sys-prefix: the first line of .*bin\/jupyter names no Python \("#!\/usr\/bin\/env bash"\); give --prefix DIR instead/);
});
