/**
 * `npm run reproduce`: a suite runs through `sweep()`, every run lands in its JSON as it finishes, a
 * stopped reproduction resumes without re-running what is there, and the tables are computed from
 * the JSON files. The committed results reproduce: one small stored row, re-run, gives its numbers
 * exactly; the committed page is what the committed JSON files give.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot, tempDir } from './helpers';

const script = path.join(repoRoot, 'scripts', 'reproduce.js');

type Run = { config: Record<string, unknown> & { strategy: { name: string } }; seed: number; metrics?: Record<string, unknown>; error?: string; seconds: number; version: string; commit: string | null; backend: string };

function reproduce(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [script, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 });
}

const readRuns = (file: string): Run[] => JSON.parse(fs.readFileSync(file, 'utf8')).runs;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1));

test('npm run reproduce: a suite through sweep (pool), every run in the JSON with version, commit and backend; resumed without re-running; tables from the JSON', { timeout: 600_000 }, () => {
  const dir = tempDir('clnb-reproduce-');
  const suite = path.join(dir, 'tiny.js');
  const common = `benchmark: { name: 'SplitMNIST', nExperiences: 5, source: 'bundled' }, model: { name: 'SimpleMLP', hiddenSize: 64, hiddenLayers: 1, dropRate: 0 },
    optimizer: { name: 'SGD', lr: 0.01, momentum: 0.9 }, trainMbSize: 256, trainEpochs: 1, evalMbSize: 1000`;
  fs.writeFileSync(suite, `module.exports = { title: 'Tiny suite', scenario: 'class-incremental', data: 'bundled digits', setup: 'tiny', seeds: [1, 2],
    configs: [
      { ${common}, strategy: { name: 'Naive' } },
      { ${common}, strategy: { name: 'Replay', memSize: 200 }, reference: { acc: 0.99, source: 'nobody', url: 'https://example.org/' }, paper: null },
    ] };`);
  const args = ['--suite', suite, '--results', path.join(dir, 'results'), '--docs', path.join(dir, 'docs', 'results.md'), '--workers', '2'];
  const first = reproduce(args);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /^tiny: 4 runs in \d+ s \(0 failed\) -> /m);
  const file = path.join(dir, 'results', 'tiny.json');
  const runs = readRuns(file);
  assert.equal(runs.length, 4);
  assert.deepEqual(runs.map((r) => [r.config.strategy.name, r.seed]), [['Naive', 1], ['Naive', 2], ['Replay', 1], ['Replay', 2]]);
  for (const r of runs) {
    assert.equal(r.error, undefined);
    assert.equal(typeof r.metrics?.acc, 'number');
    assert.equal(r.version, '0.1.0');
    assert.match(String(r.commit), /^[0-9a-f]{12}(\+changes)?$/);
    assert.match(r.backend, /^wasm \(SIMD, single-threaded/);
    assert.doesNotMatch(r.backend, /matrix products by (?!XNNPACK)/, 'wasm\'s own products: the same bits on any machine');
    assert.ok(r.seconds > 0);
  }
  // The page: figures computed from the JSON, the reference beside ours, an unexplained gap named.
  const page = fs.readFileSync(path.join(dir, 'docs', 'results.md'), 'utf8');
  const acc = (name: string) => runs.filter((r) => r.config.strategy.name === name).map((r) => r.metrics!.acc as number);
  const naive = runs.filter((r) => r.config.strategy.name === 'Naive');
  const forgetting = naive.map((r) => r.metrics!.forgetting as number);
  const learned = naive.map((r) => mean((r.metrics!.accuracyMatrix as number[][]).map((row, i) => row[i])));
  assert.ok(page.includes(`| Naive | ${mean(acc('Naive')).toFixed(3)} ± ${sd(acc('Naive')).toFixed(3)} | ${mean(forgetting).toFixed(3)} ± ${sd(forgetting).toFixed(3)} | ${mean(learned).toFixed(3)} | 2 |`), page);
  assert.match(page, new RegExp(`\\| Replay \\| ${mean(acc('Replay')).toFixed(3)} ± ${sd(acc('Replay')).toFixed(3)} \\| .* \\| 0\\.99 \\(\\[nobody\\]\\(https://example\\.org/\\)\\) \\|  \\| \\*\\*differs from the baselines' ACC by more than the seeds' spread; not explained yet\\*\\* \\|`));
  assert.ok(fs.readFileSync(path.join(dir, 'docs', 'results', 'tiny.svg'), 'utf8').startsWith('<svg'));

  // Resumed: nothing to run; with one run missing, that one only.
  const again = reproduce(args);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /^tiny: 0 runs in/m);
  assert.deepEqual(readRuns(file), runs, 'the runs are kept as they were');
  fs.writeFileSync(file, JSON.stringify({ suite: 'tiny', runs: runs.filter((r) => !(r.config.strategy.name === 'Replay' && r.seed === 2)) }));
  const missing = reproduce(args);
  assert.equal(missing.status, 0, missing.stderr);
  assert.match(missing.stdout, /^tiny: 1 runs in/m);
  const rerun = readRuns(file);
  assert.equal(rerun.length, 4);
  assert.deepEqual(rerun[3].metrics, runs[3].metrics, 'the re-run gives the same numbers');

  const bad = reproduce(['--seeds', 'two']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--seeds must be a positive whole number, got 'two'/);
  const unknown = reproduce(['--suite', 'nope']);
  assert.match(unknown.stderr, /no suite 'nope' \(suites: baselines, permuted-mnist, /);
});

test('the committed results reproduce: the smallest stored run of each committed suite, re-run with its seed, gives its numbers exactly', { timeout: 600_000 }, () => {
  const resultsDir = path.join(repoRoot, 'results');
  const files = fs.readdirSync(resultsDir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length > 0, 'no results/*.json: run npm run reproduce');
  // The cheapest successful run over all suites (one small row, as the reproduction check).
  const all = files.flatMap((f) => readRuns(path.join(resultsDir, f)).filter((r) => r.error === undefined).map((r) => ({ suite: f, ...r })));
  const row = all.sort((a, b) => a.seconds - b.seconds)[0];
  const blas = /matrix products by (?!XNNPACK)/.test(row.backend) ? '1' : '0';
  const code = `require(${JSON.stringify(path.join(repoRoot, 'reproduce', 'experiment.js'))}).run(${JSON.stringify(row.config)}, ${row.seed}).then((m) => console.log(JSON.stringify(m)))`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', env: { ...process.env, AVALANCHE_TS_BLAS: blas, AVALANCHE_TS_QUIET: '1' } });
  assert.equal(r.status, 0, r.stderr);
  const { backend, ...metrics } = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(backend.replace(/\d+ threads|single-threaded/, 'T'), row.backend.replace(/\d+ threads|single-threaded/, 'T'), 'the same products\' path');
  assert.deepEqual(metrics, row.metrics, `${row.suite}: ${row.config.strategy.name}, seed ${row.seed}`);
});

test('docs/results.md is what the committed results give (no figure typed by hand)', { timeout: 120_000 }, () => {
  const dir = tempDir('clnb-results-page-');
  const r = reproduce(['--table-only', '--docs', path.join(dir, 'results.md')]);
  assert.equal(r.status, 0, r.stderr);
  // Links are relative to each page's folder: compare what they point at (charts by name).
  const normalize = (file: string) => fs.readFileSync(file, 'utf8').replace(/\]\(([^)]+)\)/g, (_, target: string) => {
    if (/^https?:/.test(target)) return `](${target})`;
    if (target.endsWith('.svg')) return `](chart:${path.basename(target)})`;
    return `](${path.relative(repoRoot, path.resolve(path.dirname(file), target))})`;
  });
  const fresh = normalize(path.join(dir, 'results.md'));
  const committed = normalize(path.join(repoRoot, 'docs', 'results.md'));
  assert.equal(fresh, committed, 'run npm run reproduce -- --table-only to bring docs/results.md up to date');
});
