#!/usr/bin/env node
/**
 * `npm run reproduce -- [--suite NAME]... [--seeds N] [--workers N | --redis URL] [--blas] [--table-only]`:
 * runs reproduction suites (reproduce/suites/NAME.js: every strategy, several seeds) through the
 * library's `sweep()`, on a pool of worker processes (default) or a Redis queue (workers started with
 * `npx avalanche-ts worker --redis URL`), and writes
 *   results/NAME.json   every run: configuration, seed, metrics, seconds, library version, commit, backend
 *   docs/results.md     the tables (mean ± sd over seeds) with the references beside them, and a chart
 *                       of final accuracy with ± sd bars per suite (docs/results/NAME.svg)
 * Each finished run is written to the JSON at once; a stopped reproduction resumes where it was (runs
 * already in the JSON, for the suite's current configurations, are not run again). Every number in
 * the tables is read from the JSON files.
 *
 * The products run on wasm's XNNPACK kernels unless --blas: wasm computes the same bits on every
 * machine and thread count, so a row reproduces exactly anywhere (the native BLAS path is faster but
 * its summation order depends on the CPU's OpenBLAS kernels).
 * --suite also takes a path to a suite file; --results DIR and --docs FILE move the outputs (tests).
 */
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const SUITES_DIR = path.join(root, 'reproduce', 'suites');
const EXPERIMENT = path.join(root, 'reproduce', 'experiment.js');

/** What a suite's configuration says for the tables only: never part of a run's identity, so that editing it reruns nothing. */
const DISPLAY_FIELDS = ['label', 'note', 'reference', 'paper'];

/** The part of a configuration the experiment runs: what identifies its runs in the results file. */
function identity(config) {
  return Object.fromEntries(Object.entries(config).filter(([k]) => !DISPLAY_FIELDS.includes(k)));
}

const USAGE = 'usage: npm run reproduce -- [--suite NAME]... [--seeds N] [--workers N | --redis URL] [--blas] [--table-only] [--results DIR] [--docs FILE]';

function parseArgs(argv) {
  const args = { suites: [], seeds: null, workers: null, redis: null, blas: false, tableOnly: false, results: path.join(root, 'results'), docs: path.join(root, 'docs', 'results.md') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (argv[i + 1] === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return argv[++i];
    };
    const count = (name) => {
      const v = value();
      if (!/^[1-9]\d*$/.test(v)) throw new Error(`${name} must be a positive whole number, got '${v}'`);
      return Number(v);
    };
    if (a === '--suite') args.suites.push(value());
    else if (a === '--seeds') args.seeds = count('--seeds');
    else if (a === '--workers') args.workers = count('--workers');
    else if (a === '--redis') args.redis = value();
    else if (a === '--blas') args.blas = true;
    else if (a === '--table-only') args.tableOnly = true;
    else if (a === '--results') args.results = path.resolve(value());
    else if (a === '--docs') args.docs = path.resolve(value());
    else throw new Error(`unknown argument '${a}'\n${USAGE}`);
  }
  if (args.workers !== null && args.redis !== null) throw new Error('give --workers or --redis, not both');
  return args;
}

/** The suites' files: by name in reproduce/suites, or a path. */
function suiteFiles(names) {
  const all = fs.readdirSync(SUITES_DIR).filter((f) => f.endsWith('.js')).sort().map((f) => path.join(SUITES_DIR, f));
  if (names.length === 0) return all;
  return names.map((n) => {
    const file = n.endsWith('.js') ? path.resolve(n) : path.join(SUITES_DIR, `${n}.js`);
    if (!fs.existsSync(file)) throw new Error(`no suite '${n}' (suites: ${all.map((f) => path.basename(f, '.js')).join(', ')})`);
    return file;
  });
}

/** A suite's definition, checked. */
function loadSuite(file) {
  const suite = require(file);
  const name = path.basename(file, '.js');
  for (const key of ['title', 'data', 'setup', 'seeds', 'configs']) {
    if (suite[key] === undefined) throw new Error(`suite ${file} lacks '${key}'`);
  }
  return { ...suite, name, file };
}

/** This checkout's commit (with `+changes` when the working tree differs from it), or null outside git. */
function commit() {
  const head = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (head.status !== 0) return null;
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'kernel-lib/src', 'reproduce'], { cwd: root, encoding: 'utf8' }).stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? '+changes' : ''}`;
}

/** The rows of a results file (an empty list when there is none). */
function readResults(file) {
  if (!fs.existsSync(file)) return [];
  const data = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!Array.isArray(data.runs)) throw new Error(`${file} has no runs list`);
  return data.runs;
}

/** Writes a results file whole (temporary file and rename: a stopped run never leaves half a file). */
function writeResults(file, suite, runs) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const lib = require('avalanche-ts');
  const order = new Map(suite.configs.map((c, i) => [lib.configLabel(identity(c)), i]));
  const sorted = [...runs].sort((a, b) => (order.get(lib.configLabel(a.config)) ?? 1e9) - (order.get(lib.configLabel(b.config)) ?? 1e9) || a.seed - b.seed);
  const text = JSON.stringify({ suite: suite.name, title: suite.title, runs: sorted.map((r) => lib.encodeNumbers(r)) }, null, 1);
  fs.writeFileSync(`${file}.tmp`, text + '\n');
  fs.renameSync(`${file}.tmp`, file);
}

async function runSuite(suite, args, meta) {
  const lib = require('avalanche-ts');
  const file = path.join(args.results, `${suite.name}.json`);
  const seeds = args.seeds === null ? suite.seeds : Array.from({ length: args.seeds }, (_, i) => suite.seeds[i] ?? i + 1);
  const previous = readResults(file).map((r) => lib.decodeNumbers(r)).map((r) => ({ ...r, config: identity(r.config) }));
  // Every row ever written stays in the file; the sweep skips those of its own runs that succeeded.
  const rows = [...previous];
  const started = Date.now();
  const total = suite.configs.length * seeds.length;
  const progress = (p) => {
    const line = `${suite.name}: ${p.done} done, ${p.running} running, ${p.failed} failed, ${p.waiting} waiting (of ${p.total} to run; ${total} in the suite), ${((Date.now() - started) / 1000).toFixed(0)} s`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K`);
    else process.stderr.write(`${line}\n`);
  };
  const onRow = (row) => {
    const { backend, ...metrics } = row.metrics ?? {};
    const record = { config: row.config, seed: row.seed, metrics: row.metrics ? metrics : undefined, error: row.error, seconds: row.seconds, worker: row.worker, ...meta, backend };
    const key = `${lib.configLabel(row.config)}\u0000${row.seed}`;
    const at = rows.findIndex((r) => `${lib.configLabel(r.config)}\u0000${r.seed}` === key);
    if (at >= 0) rows[at] = record;
    else rows.push(record);
    writeResults(file, suite, rows);
    if (row.error) process.stderr.write(`\n${suite.name}: ${lib.configLabel(row.config)} seed ${row.seed} failed: ${row.error}\n`);
  };
  const resume = previous.filter((r) => r.error === undefined).map((r) => ({ ...r, metrics: r.metrics, configIndex: 0, worker: r.worker ?? 'earlier' }));
  const options = { configs: suite.configs.map(identity), seeds, run: { module: EXPERIMENT, export: 'run' }, resume, onRow, progress };
  if (args.redis) Object.assign(options, { redis: args.redis, name: `reproduce-${suite.name}` });
  else if (args.workers !== null) options.workers = args.workers;
  const results = await lib.sweep(options);
  if (process.stderr.isTTY) process.stderr.write('\n');
  writeResults(file, suite, rows); // also when nothing ran: the file in the current form
  const ran = results.rows.length - resume.filter((r) => seeds.includes(r.seed)).length;
  console.log(`${suite.name}: ${Math.max(0, ran)} runs in ${((Date.now() - started) / 1000).toFixed(0)} s (${results.failed.length} failed) -> ${path.relative(root, file)}`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const suites = suiteFiles(args.suites).map(loadSuite);
  if (!args.tableOnly) {
    // Set before any worker starts (they inherit it): the products on wasm's own kernels.
    process.env.AVALANCHE_TS_BLAS = args.blas ? '1' : '0';
    process.env.AVALANCHE_TS_OFFLINE ??= '1';
    const lib = require('avalanche-ts');
    const version = JSON.parse(fs.readFileSync(path.join(root, 'kernel-lib', 'package.json'), 'utf8')).version;
    const meta = { version, commit: commit() };
    try {
      for (const suite of suites) await runSuite(suite, args, meta);
    } finally {
      await lib.closeSweepPool();
    }
  }
  const { writeResultsPage } = require('./results-page.js');
  // The page covers every suite of reproduce/suites, and suites given by path besides.
  const pageSuites = [...new Set([...suiteFiles([]), ...suiteFiles(args.suites)])].map(loadSuite);
  const written = await writeResultsPage(pageSuites, args.results, args.docs);
  console.log(`tables: ${path.relative(root, args.docs)} (${written.join(', ')})`);
}

module.exports = { identity, DISPLAY_FIELDS };

if (require.main === module) main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
