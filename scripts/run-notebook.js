#!/usr/bin/env node
/**
 * Runs notebooks headless through the tslab kernel with Jupyter's nbconvert, then prints the text
 * each code cell produced. `npm start` runs the tutorial notebook this way.
 *   node scripts/run-notebook.js [--save] [--offline] [--timeout S] NOTEBOOK...
 * Without --save the executed copy goes to out/; with --save the notebook is overwritten with its
 * new outputs; --offline sets AVALANCHE_TS_OFFLINE=1 (no dataset download). Exits 1 if Jupyter is missing or a cell fails (an error output, or text on stderr).
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');

function parseArgs(argv) {
  const args = { save: false, timeout: 900, notebooks: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--save') args.save = true;
    else if (argv[i] === '--offline') process.env.AVALANCHE_TS_OFFLINE = '1';
    else if (argv[i] === '--timeout') args.timeout = Number(argv[++i]);
    else args.notebooks.push(argv[i]);
  }
  if (args.notebooks.length === 0) {
    console.error('usage: run-notebook.js [--save] [--offline] [--timeout S] NOTEBOOK...');
    process.exit(2);
  }
  return args;
}

function checkJupyter() {
  const r = spawnSync('jupyter', ['nbconvert', '--version'], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(
      'Jupyter (nbconvert with nbclient) is needed to run the notebooks headless, and was not found.\n' +
        'Install it with one of:\n' +
        '  sudo apt-get install jupyter-nbconvert python3-nbclient      (Debian, Ubuntu)\n' +
        '  python3 -m pip install nbconvert nbclient                    (pip)\n' +
        'then run this command again.',
    );
    process.exit(1);
  }
}

/** The visible text of a stream: what a terminal or notebook shows after `\r` redraws. */
function visibleText(text) {
  return text
    .split('\n')
    .map((line) => line.slice(line.lastIndexOf('\r') + 1))
    .join('\n');
}

function cellText(cell) {
  const parts = [];
  const errors = [];
  for (const out of cell.outputs || []) {
    const src = (v) => (Array.isArray(v) ? v.join('') : v || '');
    if (out.output_type === 'stream') {
      const text = visibleText(src(out.text));
      if (out.name === 'stderr') errors.push(text);
      parts.push(text);
    } else if (out.output_type === 'error') {
      errors.push(`${out.ename}: ${out.evalue}`);
    } else if (out.data && out.data['text/plain']) {
      parts.push(src(out.data['text/plain']) + '\n');
    }
  }
  return { text: parts.join(''), errors };
}

/**
 * Where the time went, from the cells' execution timestamps (nbclient records them): Jupyter and the
 * kernel starting, each cell (the first one includes tslab compiling against the library's types and
 * loading it), and the shutdown.
 */
function printTiming(nb, started, ended) {
  const cells = nb.cells.filter((c) => c.cell_type === 'code' && c.metadata && c.metadata.execution);
  if (cells.length === 0) return;
  const t = (c, key) => Date.parse(c.metadata.execution[key]);
  const first = t(cells[0], 'iopub.execute_input');
  const last = t(cells[cells.length - 1], 'iopub.status.idle');
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const parts = cells.map((c, i) => `cell ${i + 1} ${s(t(c, 'iopub.status.idle') - t(c, 'iopub.execute_input'))}`);
  console.log(`timing: ${s(ended - started)} in all = Jupyter and kernel start ${s(first - started)} + ${parts.join(' + ')} + shutdown ${s(ended - last)}; first cell's latency ${s(t(cells[0], 'iopub.status.idle') - t(cells[0], 'iopub.execute_input'))}`);
}

function runNotebook(notebook, args) {
  const input = path.resolve(notebook);
  const outDir = args.save ? path.dirname(input) : path.join(root, 'out');
  fs.mkdirSync(outDir, { recursive: true });
  const output = path.join(outDir, path.basename(input));
  console.log(`== running ${path.relative(root, input)} through the tslab kernel ==`);
  const started = Date.now();
  const r = spawnSync(
    'jupyter',
    ['nbconvert', '--to', 'notebook', '--execute', `--ExecutePreprocessor.timeout=${args.timeout}`, '--ExecutePreprocessor.kernel_name=tslab', '--output', output, input],
    { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] },
  );
  const nbOk = fs.existsSync(output) && fs.statSync(output).mtimeMs >= Date.now() - 24 * 3600e3;
  let failed = r.status !== 0;
  if (nbOk && !failed) {
    const nb = JSON.parse(fs.readFileSync(output, 'utf8'));
    nb.cells
      .filter((c) => c.cell_type === 'code')
      .forEach((cell, i) => {
        const { text, errors } = cellText(cell);
        if (text.trim()) process.stdout.write(`-- cell ${i + 1} --\n${text}${text.endsWith('\n') ? '' : '\n'}`);
        if (errors.length) {
          failed = true;
          console.error(`cell ${i + 1} failed:\n${errors.join('\n')}`);
        }
      });
  }
  if (failed) {
    console.error(r.stderr.split('\n').slice(-30).join('\n'));
    console.error(`== ${path.relative(root, input)} FAILED ==`);
    return false;
  }
  printTiming(JSON.parse(fs.readFileSync(output, 'utf8')), started, Date.now());
  console.log(`== ${path.relative(root, input)} ran; executed notebook: ${path.relative(root, output)} ==`);
  return true;
}

/**
 * Warns when the tslab kernel Jupyter itself would start (the first kernels/tslab/kernel.json on its data
 * path) is missing or belongs to another or a deleted checkout: opening the notebooks interactively
 * would then fail or use other code. This command does not depend on it (see below).
 */
function checkUsersKernel() {
  const r = spawnSync('jupyter', ['--paths', '--json'], { encoding: 'utf8' });
  if (r.status !== 0) return;
  let dataDirs = [];
  try {
    dataDirs = JSON.parse(r.stdout).data || [];
  } catch {
    return;
  }
  const ours = fs.realpathSync(path.join(root, 'node_modules', 'tslab'));
  const fix = `run \`npx avalanche-ts kernel install\` here to make Jupyter use this checkout`;
  for (const dir of dataDirs) {
    const file = path.join(dir, 'kernels', 'tslab', 'kernel.json');
    if (!fs.existsSync(file)) continue;
    let tslab = '';
    try {
      const argv = JSON.parse(fs.readFileSync(file, 'utf8')).argv;
      // A spec of `avalanche-ts kernel install` names the tslab folder it runs; tslab's own, its command.
      tslab = argv.includes('--tslab') ? argv[argv.indexOf('--tslab') + 1] : argv[0];
    } catch {
      console.warn(`note: Jupyter's tslab kernel spec ${file} cannot be read; ${fix}`);
      return;
    }
    if (path.resolve(tslab) === ours) return;
    const state = fs.existsSync(tslab) ? 'another checkout or not avalanche-ts\'s launcher' : 'a path that no longer exists';
    console.warn(`note: Jupyter's tslab kernel (${file}) runs ${tslab}, ${state}; this command uses its own, but ${fix}`);
    return;
  }
  console.warn(`note: no tslab kernel is registered with Jupyter; ${fix}`);
}

/**
 * Makes nbconvert use this checkout's kernel whatever kernel spec the user's Jupyter folder holds (it
 * may point at another or a moved checkout): `avalanche-ts kernel install --prefix out/jupyter`, whose
 * data folder goes first on JUPYTER_PATH.
 */
function useThisCheckoutsKernel() {
  const prefix = path.join(root, 'out', 'jupyter');
  const r = spawnSync(process.execPath, [path.join(root, 'kernel-lib', 'bin', 'avalanche-ts.js'), 'kernel', 'install', '--prefix', prefix], { encoding: 'utf8', cwd: root });
  if (r.status !== 0) {
    console.error(r.stderr || r.stdout);
    process.exit(1);
  }
  process.env.JUPYTER_PATH = [path.join(prefix, 'share', 'jupyter'), process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
}

const args = parseArgs(process.argv.slice(2));
checkJupyter();
checkUsersKernel();
useThisCheckoutsKernel();
let ok = true;
for (const nb of args.notebooks) ok = runNotebook(nb, args) && ok;
process.exit(ok ? 0 : 1);
