/**
 * Writes docs/results.md (and a chart per suite, docs/results/NAME.svg) from the results files
 * (results/NAME.json) and the suites' definitions: per configuration the mean ± sd over seeds of
 * ACC and forgetting, the seconds per run, and the reference beside it where the suite gives one.
 * Every figure is computed from the JSON here; where ours and a reference differ by more than the
 * seeds' spread, the row shows the suite's explanation, or says that none is given.
 */
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Sample standard deviation (0 for one value). */
const sd = (xs) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1)));
const f3 = (x) => x.toFixed(3);

/** A configuration's name in the tables: its label, else its strategy, with an optimizer that differs from the suite's. */
function rowLabel(config, common) {
  if (config.label) return config.label;
  const name = config.strategy.name;
  const optimizer = JSON.stringify(config.optimizer) !== JSON.stringify(common.optimizer) ? ` (${config.optimizer.name} lr ${config.optimizer.lr}${config.optimizer.momentum ? ` momentum ${config.optimizer.momentum}` : ''})` : '';
  return `${name}${optimizer}`;
}

/** The optimizer most configurations of a suite share. */
function commonOf(suite) {
  const counts = new Map();
  for (const c of suite.configs) counts.set(JSON.stringify(c.optimizer), (counts.get(JSON.stringify(c.optimizer)) ?? 0) + 1);
  const [top] = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  return { optimizer: JSON.parse(top[0]) };
}

/**
 * The mean accuracy on each experience right after training on it (the accuracy matrix's diagonal):
 * how well a method learns, beside how well it remembers. Null when the run trained once (JointTraining).
 */
function learnedAccuracy(matrix) {
  if (!Array.isArray(matrix) || matrix.length < 2 || matrix.length !== matrix[0].length) return null;
  return mean(matrix.map((row, i) => row[i]));
}

/** Per configuration of the suite (in its order): label, the runs' values, reference and note. */
function summarize(suite, runs, lib) {
  const { identity } = require('./reproduce.js');
  const common = commonOf(suite);
  return suite.configs.map((config) => {
    const label = lib.configLabel(identity(config));
    const own = runs.filter((r) => lib.configLabel(identity(r.config)) === label && suite.seeds.includes(r.seed));
    const ok = own.filter((r) => r.error === undefined && r.metrics);
    const values = (key) => ok.map((r) => r.metrics[key]).filter((v) => typeof v === 'number' && Number.isFinite(v));
    return {
      label: rowLabel(config, common),
      config,
      acc: values('acc'),
      forgetting: values('forgetting'),
      learned: ok.map((r) => learnedAccuracy(r.metrics.accuracyMatrix)).filter((v) => v !== null),
      seconds: ok.map((r) => r.seconds),
      failed: own.filter((r) => r.error !== undefined),
      runs: own,
    };
  });
}

/** A reference's cell: its ACC, linked to where it is published. */
const referenceCell = (ref) => (ref ? `${ref.acc.toFixed(2)} ([${ref.source}](${ref.url}))` : '');

/**
 * The row's note: the suite's explanation; where ours and the baselines' ACC differ by more than the
 * seeds' spread and the suite explains nothing, the table says so.
 */
function noteCell(row, suite) {
  const note = row.config.note ?? suite.notes?.[row.label];
  const ref = row.config.reference;
  const differs = ref && row.acc.length > 0 && Math.abs(mean(row.acc) - ref.acc) > sd(row.acc);
  if (differs && !note) return "**differs from the baselines' ACC by more than the seeds' spread; not explained yet**";
  return note ?? '';
}

/** The chart: mean ACC per configuration with ± sd bars, references as ticks. */
function chartSpec(suite, rows) {
  const values = rows.filter((r) => r.acc.length > 0).map((r) => ({ method: r.label, acc: mean(r.acc), sd: sd(r.acc), low: mean(r.acc) - sd(r.acc), high: mean(r.acc) + sd(r.acc), reference: r.config.reference?.acc ?? null }));
  const x = { field: 'method', type: 'nominal', sort: null, title: null, axis: { labelAngle: -40 } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${suite.title}: ACC, mean ± sd over seeds${values.some((v) => v.reference !== null) ? " (red: the baselines' ACC)" : ''}`,
    width: Math.max(320, 34 * values.length),
    height: 220,
    data: { values },
    layer: [
      { mark: { type: 'bar', color: '#4c78a8' }, encoding: { x, y: { field: 'acc', type: 'quantitative', title: 'ACC', scale: { domain: [0, 1] } } } },
      { mark: { type: 'rule', color: 'black' }, encoding: { x, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } } },
      { transform: [{ filter: 'datum.reference !== null' }], mark: { type: 'tick', color: '#e45756', thickness: 3 }, encoding: { x, y: { field: 'reference', type: 'quantitative' } } },
    ],
  };
}

/** The unique values of a field over runs, joined. */
const uniq = (runs, key) => [...new Set(runs.map((r) => r[key]).filter((v) => v !== undefined && v !== null))].join(', ') || 'n/a';

async function suiteSection(suite, resultsDir, docsDir, lib) {
  const file = path.join(resultsDir, `${suite.name}.json`);
  const rel = (p) => path.relative(docsDir, p).split(path.sep).join('/');
  const head = [`## ${suite.title}`, '', `Data: ${suite.data}. Setup: ${suite.setup}. Configuration: [${path.relative(root, suite.file)}](${rel(suite.file)}).`, ''];
  if (!fs.existsSync(file)) return [...head, `Not run yet: \`npm run reproduce -- --suite ${suite.name}\`.`, ''];
  const runs = JSON.parse(fs.readFileSync(file, 'utf8')).runs.map((r) => lib.decodeNumbers(r));
  const rows = summarize(suite, runs, lib);
  const done = rows.reduce((n, r) => n + r.acc.length, 0);
  const seconds = rows.reduce((n, r) => n + r.seconds.reduce((a, b) => a + b, 0), 0);
  const chart = path.join(docsDir, 'results', `${suite.name}.svg`);
  fs.mkdirSync(path.dirname(chart), { recursive: true });
  fs.writeFileSync(chart, await lib.renderSvg(chartSpec(suite, rows)));
  const mine = runs.filter((r) => suite.seeds.includes(r.seed));
  const lines = [
    ...head,
    `Results: [${path.relative(root, file)}](${rel(file)}), ${done} of ${suite.configs.length * suite.seeds.length} runs (seeds ${suite.seeds.join(', ')}), ` +
      `${(seconds / 60).toFixed(1)} minutes of runs in all; avalanche-ts ${uniq(mine, 'version')}, commit ${uniq(mine, 'commit')}; backend ${uniq(mine, 'backend')}.`,
    '',
    `![${suite.title}](${rel(chart)})`,
    '',
  ];
  const references = suite.configs.some((c) => c.reference || c.paper);
  lines.push(references
    ? "| method | ACC (mean ± sd) | forgetting (mean ± sd) | learned | seeds | s per run | baselines' ACC | paper's ACC | what differs |\n|---|---|---|---|---|---|---|---|---|"
    : '| method | ACC (mean ± sd) | forgetting (mean ± sd) | learned | seeds | s per run | note |\n|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const acc = row.acc.length ? `${f3(mean(row.acc))} ± ${f3(sd(row.acc))}` : 'not run';
    const forgetting = row.forgetting.length ? `${f3(mean(row.forgetting))} ± ${f3(sd(row.forgetting))}` : '';
    const learned = row.learned.length ? f3(mean(row.learned)) : '';
    const per = row.seconds.length ? mean(row.seconds).toFixed(1) : '';
    const failed = row.failed.length ? ` ${row.failed.length} run(s) failed: ${row.failed[0].error}` : '';
    const refs = references ? ` ${referenceCell(row.config.reference)} | ${referenceCell(row.config.paper)} |` : '';
    lines.push(`| ${row.label} | ${acc} | ${forgetting} | ${learned} | ${row.acc.length} | ${per} |${refs} ${noteCell(row, suite)}${failed} |`);
  }
  lines.push('');
  return lines;
}

/** Writes the page and the charts; returns the suites with results. */
async function writeResultsPage(suites, resultsDir, docsFile) {
  const lib = require('avalanche-ts');
  const docsDir = path.dirname(docsFile);
  const out = [
    '# Results: every strategy, several seeds, one command',
    '',
    '<!-- Generated by `npm run reproduce` (scripts/results-page.js) from results/*.json; do not edit. -->',
    '',
    'Each table is one suite of `reproduce/suites/`, run through the library\'s own `sweep()` by `npm run reproduce`',
    '(`-- --suite NAME`, `--seeds N`, `--workers N` or `--redis URL`). Every figure is computed from the results file',
    'beside it; `npm test` re-runs one row and checks that it gives the stored numbers exactly. ACC is the mean over',
    'experiences of the accuracy on each after training on the last one (as continual-learning-baselines reports it);',
    'forgetting is the mean over experiences of the best accuracy minus the final one (Avalanche\'s StreamForgetting);',
    '"learned" is the mean accuracy on each experience right after training on it (how well a method learns, beside',
    'how well it remembers).',
    'The products run on wasm\'s own kernels, which compute the same bits on every machine and thread count.',
    '',
  ];
  const written = [];
  for (const suite of suites) {
    out.push(...(await suiteSection(suite, resultsDir, docsDir, lib)));
    if (fs.existsSync(path.join(resultsDir, `${suite.name}.json`))) written.push(suite.name);
  }
  fs.mkdirSync(docsDir, { recursive: true });
  fs.writeFileSync(docsFile, out.join('\n'));
  return written;
}

module.exports = { writeResultsPage };
